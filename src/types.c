/*
 * types.c - names of the shared enums and the invariant-failure path.
 * Const tables only; safe from any thread.
 */
#include "sequex/types.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const code_names[SX_CODE_COUNT] = {
	[SX_OK] = "OK",
	[SX_INVALID_COMMAND] = "INVALID_COMMAND",
	[SX_UNKNOWN_TYPE] = "UNKNOWN_TYPE",
	[SX_MISSING_FIELD] = "MISSING_FIELD",
	[SX_INVALID_NUMBER] = "INVALID_NUMBER",
	[SX_INVALID_PRECISION] = "INVALID_PRECISION",
	[SX_UNKNOWN_MARKET] = "UNKNOWN_MARKET",
	[SX_UNKNOWN_ASSET] = "UNKNOWN_ASSET",
	[SX_INVALID_SIDE] = "INVALID_SIDE",
	[SX_INVALID_ORDER_TYPE] = "INVALID_ORDER_TYPE",
	[SX_INVALID_TIF] = "INVALID_TIF",
	[SX_INVALID_QUANTITY] = "INVALID_QUANTITY",
	[SX_INVALID_PRICE] = "INVALID_PRICE",
	[SX_INVALID_LEVERAGE] = "INVALID_LEVERAGE",
	[SX_INVALID_MARGIN] = "INVALID_MARGIN",
	[SX_INVALID_AMOUNT] = "INVALID_AMOUNT",
	[SX_INSUFFICIENT_BALANCE] = "INSUFFICIENT_BALANCE",
	[SX_UNKNOWN_ORDER] = "UNKNOWN_ORDER",
	[SX_NO_PRICE] = "NO_PRICE",
	[SX_SLIPPAGE_EXCEEDED] = "SLIPPAGE_EXCEEDED",
	[SX_WOULD_CROSS] = "WOULD_CROSS",
	[SX_DUPLICATE_CLIENT_ORDER_ID] = "DUPLICATE_CLIENT_ORDER_ID",
	[SX_STALE_PRICE] = "STALE_PRICE",
	[SX_OVERLOADED] = "OVERLOADED",
};

const char *sx_code_name(enum sx_code code)
{
	if ((unsigned)code >= SX_CODE_COUNT)
		return "?";
	return code_names[code];
}

const char *sx_side_name(enum sx_side s)
{
	return s == SX_BUY ? "buy" : s == SX_SELL ? "sell" : "?";
}

const char *sx_order_type_name(enum sx_order_type t)
{
	return t == SX_LIMIT ? "limit" : t == SX_MARKET ? "market" : "?";
}

const char *sx_tif_name(enum sx_tif t)
{
	static const char *const n[] = {"gtc", "ioc", "fok", "post_only"};
	return (unsigned)t < SX_ARRAY_LEN(n) ? n[t] : "?";
}

const char *sx_status_name(enum sx_status s)
{
	static const char *const n[] = {"open", "partially_filled", "filled",
					"cancelled", "expired"};
	return (unsigned)s < SX_ARRAY_LEN(n) ? n[s] : "?";
}

_Noreturn void sx_panic(const char *file, int line, const char *what)
{
	fprintf(stderr, "sequex: invariant violated at %s:%d: %s\n", file, line, what);
	fflush(stderr);
	abort();
}
