"""The pure core: table-driven tests of the hall rules, with ``now`` passed in."""
