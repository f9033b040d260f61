"""The patterns names and values in strategy routes must match, shared by path, query and body
parameters; a module without models, so a route group declaring a parameter creates none."""

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+\-]{0,49}$"
SYMBOL_PATTERN = r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$"
EXCHANGE_PATTERN = r"^[a-z0-9_]{2,40}$"
TIMEFRAME_PATTERN = r"^[1-9][0-9]{0,2}[mhdw]$"
