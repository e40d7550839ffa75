"""The community around the store (SPEC 五社联动): micro-wishes, needs lists, co-building units, party members."""
