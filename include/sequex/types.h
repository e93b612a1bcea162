/*
 * sequex/types.h - vocabulary shared by every module: limits, business
 * result codes, side/type enums and the always-on invariant check.
 *
 * Nothing here owns state; every thread may include it.
 */
#ifndef SEQUEX_TYPES_H
#define SEQUEX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of the wire contract (spec/commands.md). */
#define SX_USERID_MAX 64   /* bytes of a userId */
#define SX_REQID_MAX 64    /* bytes of a reqId */
#define SX_COID_MAX 36     /* bytes of a clientOrderId */
#define SX_LINE_MAX 65536  /* a command line longer than this is INVALID_COMMAND */
#define SX_JSON_DEPTH_MAX 8
#define SX_NAME_MAX 23     /* asset and market names */
#define SX_MAX_ASSETS 32
#define SX_MAX_MARKETS 256
#define SX_DEPTH_LEVELS_MAX 1000 /* GET_DEPTH levels upper bound */
#define SX_DEPTH_LEVELS_DEFAULT 20
#define SX_BPS_MAX 10000

/*
 * Business result codes: a rejected command is a result, not an error.
 * The order is part of the journal format; append only.
 */
enum sx_code {
	SX_OK = 0,
	SX_INVALID_COMMAND,
	SX_UNKNOWN_TYPE,
	SX_MISSING_FIELD,
	SX_INVALID_NUMBER,
	SX_INVALID_PRECISION,
	SX_UNKNOWN_MARKET,
	SX_UNKNOWN_ASSET,
	SX_INVALID_SIDE,
	SX_INVALID_ORDER_TYPE,
	SX_INVALID_TIF,
	SX_INVALID_QUANTITY,
	SX_INVALID_PRICE,
	SX_INVALID_LEVERAGE,
	SX_INVALID_MARGIN,
	SX_INVALID_AMOUNT,
	SX_INSUFFICIENT_BALANCE,
	SX_UNKNOWN_ORDER,
	SX_NO_PRICE,
	SX_SLIPPAGE_EXCEEDED,
	SX_WOULD_CROSS,
	SX_DUPLICATE_CLIENT_ORDER_ID,
	SX_STALE_PRICE,
	SX_OVERLOADED,
	SX_CODE_COUNT
};

/* The spec name of a code ("INSUFFICIENT_BALANCE"); "?" when out of range. */
const char *sx_code_name(enum sx_code code);

enum sx_side { SX_BUY = 0, SX_SELL = 1 };
enum sx_order_type { SX_LIMIT = 0, SX_MARKET = 1 };
enum sx_tif { SX_GTC = 0, SX_IOC = 1, SX_FOK = 2, SX_POST_ONLY = 3 };
enum sx_stp { SX_STP_CANCEL_MAKER = 0, SX_STP_CANCEL_TAKER = 1 };
enum sx_status {
	SX_ST_OPEN = 0,
	SX_ST_PARTIALLY_FILLED,
	SX_ST_FILLED,
	SX_ST_CANCELLED,
	SX_ST_EXPIRED
};

const char *sx_side_name(enum sx_side s);             /* "buy" | "sell" */
const char *sx_order_type_name(enum sx_order_type t); /* "limit" | "market" */
const char *sx_tif_name(enum sx_tif t);               /* "gtc" ... */
const char *sx_status_name(enum sx_status s);         /* "open" ... */

/*
 * SX_ASSERT: invariants that must never break. Stays on in release builds
 * (unlike assert()); a failure prints file, line and expression to stderr
 * and aborts, because continuing would corrupt balances.
 */
_Noreturn void sx_panic(const char *file, int line, const char *what);
#define SX_ASSERT(cond)                                                        \
	do {                                                                   \
		if (__builtin_expect(!(cond), 0))                              \
			sx_panic(__FILE__, __LINE__, #cond);                   \
	} while (0)

#define SX_LIKELY(x) __builtin_expect(!!(x), 1)
#define SX_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
