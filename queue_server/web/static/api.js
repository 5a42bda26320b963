/*
 * api.js: what the kiosk and the caller pad share when they talk to the ticket server's HTTP API.
 *
 *   TideApi.ApiError(status, body)  the server answered, but refused: status, code (the "error" field), message
 *   TideApi.newKey(prefix)          a fresh Idempotency-Key such as "kiosk-3f9a…"
 *
 * A failure that is not an ApiError means the server could not be reached, so a page may retry with the same key.
 */
(function () {
  "use strict";

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.code = body && body.error;
    }
  }

  function newKey(prefix) {
    // crypto.randomUUID needs a secure context, which a page on plain http in the hall's LAN does not have.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return `${prefix}-` + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  window.TideApi = { ApiError, newKey };
})();
