/*
 * api.js: how every page talks to the ticket server's HTTP API. base.html loads it before the page's own scripts.
 *
 *   TideApi.request(url, options)   -> the answer's JSON (or, with raw: true, the Response itself)
 *       options.method   "GET" unless given
 *       options.body     an object, sent as JSON; a POST, PUT or DELETE without one sends an empty body
 *       options.key      the Idempotency-Key header (from newKey), so a retry is answered, not done twice
 *       options.token    a bearer token for the Authorization header (clerks, supervisors)
 *       options.headers  more request headers, by name (e.g. X-Phone-Last4 for a booking look-up)
 *       options.raw      resolve with the Response (for SVG, CSV or headers) instead of its JSON
 *     A hall device's token (?device=… in its address once, then kept) goes along as X-Device-Token.
 *   TideApi.ApiError(status, body)  the server answered, but refused: status, code (the "error" field), message
 *                                   (Chinese), messageEn, and body (the details: next opening, check-in window …)
 *   TideApi.newKey(prefix)          a fresh Idempotency-Key such as "kiosk-3f9a…"
 *   TideApi.ownLanguage(said, lang) what the server said, in the page's language: an ApiError's (or an answer's)
 *                                   message or message_en, or the matching half of a "中文 / English" text; lang
 *                                   "en" or "zh", by default the page's own <html lang>
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
      this.messageEn = (body && body.message_en) || this.message;
      this.body = body || {};
    }
  }

  function newKey(prefix) {
    // crypto.randomUUID needs a secure context, which a page on plain http in the hall's LAN does not have.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return `${prefix}-` + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function request(url, options = {}) {
    const method = (options.method || "GET").toUpperCase();
    const headers = { ...(options.headers || {}) };
    let body;
    if (method !== "GET" && method !== "HEAD") {
      headers["Content-Type"] = "application/json";
      body = options.body === undefined || options.body === null ? "" : JSON.stringify(options.body);
    }
    if (options.key) headers["Idempotency-Key"] = options.key;
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const device = deviceToken();
    if (device) headers["X-Device-Token"] = device;
    // Live figures: never an answer from the browser's cache.
    const response = await fetch(url, { method, headers, body, cache: "no-store" });
    if (response.ok && options.raw) return response;
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  // A kiosk or guide desk off the hall's LAN proves it is one of the hall's devices with a token: given once in its
  // address (?device=…), then kept in this browser and sent with every request.
  const DEVICE_KEY = "tidequeue.device";

  function deviceToken() {
    const given = new URLSearchParams(window.location.search).get("device");
    try {
      if (given) window.localStorage.setItem(DEVICE_KEY, given);
      return given || window.localStorage.getItem(DEVICE_KEY);
    } catch (err) {
      return given; // storage refused (a private window): the address's token still counts
    }
  }

  function pageLanguage() {
    return (document.documentElement.lang || "").toLowerCase().startsWith("en") ? "en" : "zh";
  }

  // Every error of the API has message (Chinese) and message_en; a text worded "中文 / English" is split.
  function ownLanguage(said, lang) {
    const en = (lang || pageLanguage()) === "en";
    let text = said;
    if (said instanceof ApiError) text = en ? said.messageEn : said.message;
    else if (said && typeof said === "object") text = (en && said.message_en) || said.message;
    text = String(text || "");
    const parts = text.split(" / ");
    return parts.length === 2 ? parts[en ? 1 : 0] : text;
  }

  window.TideApi = { ApiError, newKey, request, ownLanguage };
})();
