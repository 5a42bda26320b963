"""The Lua scripts that change a hall's state, one per state change; see ``_prelude.lua`` for the layout."""
