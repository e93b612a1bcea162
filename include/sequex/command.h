/*
 * sequex/command.h - the binary command: a fixed-size record that every way
 * in (replay files, the gateway, Redis, the feed) produces and the state
 * machine consumes. Decoders do all text work (syntax, steps, names to
 * indexes) so the sequencer never parses; the engine re-checks ranges.
 *
 * A command that could not be decoded still becomes a record
 * (type SX_CMD_REJECTED) carrying its rejection, so it is sequenced,
 * journaled and answered like any other. Records are copied by value.
 */
#ifndef SEQUEX_COMMAND_H
#define SEQUEX_COMMAND_H

#include <stdint.h>

#include "sequex/types.h"

/* Order is part of the journal format: append only. */
enum sx_cmd_type {
	SX_CMD_REJECTED = 0, /* decode failed: see rej */
	SX_CMD_DEPOSIT,
	SX_CMD_WITHDRAW,
	SX_CMD_PLACE_ORDER,
	SX_CMD_CANCEL_ORDER,
	SX_CMD_AMEND_ORDER,
	SX_CMD_CHECK_BALANCE,
	SX_CMD_CHECK_OPEN_ORDERS,
	SX_CMD_GET_ORDER,
	SX_CMD_GET_DEPTH,
	SX_CMD_QUOTE,
	SX_CMD_TYPE_COUNT
};

/* The spec name of a command type ("PLACE_ORDER"); "?" when out of range. */
const char *sx_cmd_type_name(enum sx_cmd_type t);

/* Which field a rejection is about (for the human-readable message). */
enum sx_field {
	SX_F_NONE = 0,
	SX_F_TYPE,
	SX_F_REQID,
	SX_F_TS,
	SX_F_USERID,
	SX_F_ASSET,
	SX_F_AMOUNT,
	SX_F_MARKET,
	SX_F_SIDE,
	SX_F_ORDERTYPE,
	SX_F_QTY,
	SX_F_PRICE,
	SX_F_TIF,
	SX_F_SLIPPAGE,
	SX_F_STP,
	SX_F_CLIENTORDERID,
	SX_F_ORDERID,
	SX_F_LEVELS,
	SX_F_COUNT
};

/* What is wrong with it. */
enum sx_detail {
	SX_D_NONE = 0,
	SX_D_NOT_JSON,      /* not RFC 8259 JSON */
	SX_D_BAD_UTF8,
	SX_D_TOO_DEEP,
	SX_D_TOO_LARGE,     /* line over 64 KiB */
	SX_D_NOT_OBJECT,
	SX_D_TOO_MANY_FIELDS,
	SX_D_DUPLICATE_KEY,
	SX_D_MISSING,
	SX_D_WRONG_TYPE,    /* wrong JSON type for the field */
	SX_D_EMPTY,
	SX_D_TOO_LONG,
	SX_D_NUL,           /* a string containing U+0000 */
	SX_D_UNKNOWN_VALUE, /* not one of the allowed words / names */
	SX_D_SYNTAX,        /* not a number */
	SX_D_NOT_POSITIVE,
	SX_D_NEGATIVE,
	SX_D_NOT_MULTIPLE,  /* not a whole number of its step */
	SX_D_OVERFLOW,
	SX_D_OUT_OF_RANGE,
	SX_D_NOT_ALLOWED,   /* field not allowed in this combination */
	SX_D_SUPPLY_LIMIT,  /* an asset's total supply would no longer fit 64 bits */
	SX_D_DEMO_SUPPLY,   /* the same, through a new user's demo credit */
	SX_D_COUNT
};

/* A rejection decided by a decoder: code, the field, and why. */
struct sx_reject {
	uint8_t code;   /* enum sx_code */
	uint8_t field;  /* enum sx_field */
	uint8_t detail; /* enum sx_detail */
	uint8_t orig_type; /* enum sx_cmd_type when known, else SX_CMD_REJECTED */
};

/* Order reference: by engine id, or by client id when id == 0. */
struct sx_order_ref {
	uint64_t order_id;
	uint8_t coid_len;
	char coid[SX_COID_MAX];
};

struct sx_cmd_funds {
	uint16_t asset;
	int64_t amount; /* minor units, > 0 */
};

struct sx_cmd_place {
	uint16_t market;
	uint8_t side;  /* enum sx_side */
	uint8_t otype; /* enum sx_order_type */
	uint8_t tif;   /* enum sx_tif (limit orders) */
	uint8_t stp;   /* enum sx_stp */
	uint8_t coid_len;
	uint8_t has_slippage;
	uint32_t slippage_bps; /* market orders; default from the market */
	int64_t qty;   /* lots, > 0 */
	int64_t price; /* ticks, > 0 (limit orders) */
	char coid[SX_COID_MAX];
};

struct sx_cmd_order { /* CANCEL_ORDER, AMEND_ORDER, GET_ORDER */
	uint16_t market;
	uint8_t has_qty, has_price; /* AMEND_ORDER */
	int64_t qty;   /* lots, >= 0: the new remaining quantity */
	int64_t price; /* ticks, > 0 */
	struct sx_order_ref ref;
};

struct sx_cmd_depth {
	uint16_t market;
	uint32_t levels; /* 1..SX_DEPTH_LEVELS_MAX */
};

struct sx_cmd_quote {
	uint16_t market;
	uint8_t side;
	int64_t qty; /* lots, > 0 */
};

/*
 * One command. ts is the receive time in ns since the epoch; has_ts tells
 * whether the source gave it (replay fills a missing ts with the previous
 * command's). user_hash is sx_user_hash(user, user_len), computed by the
 * decoder so the sequencer does not hash strings.
 *
 * Contract for every producer: the whole record starts zeroed, so the
 * bytes of user, reqid and coid past their lengths are zero (the engine
 * copies those arrays whole, without variable-length copies).
 */
struct sx_cmd {
	uint8_t type; /* enum sx_cmd_type */
	uint8_t has_ts;
	uint8_t reqid_len; /* 0 = no reqId */
	uint8_t user_len;  /* 0 = no userId */
	uint32_t _pad;
	uint64_t ts;
	uint64_t user_hash;
	union {
		struct sx_reject rej;
		struct sx_cmd_funds funds;
		struct sx_cmd_place place;
		struct sx_cmd_order order;
		struct sx_cmd_depth depth;
		struct sx_cmd_quote quote;
	} u;
	/* the strings last: the command path reads the header, the payload and
	 * the start of the user id, so they share the first cache lines */
	char user[SX_USERID_MAX];
	char reqid[SX_REQID_MAX];
};

/* 64-bit hash of a user id (XXH3); stable across versions (journaled state). */
uint64_t sx_user_hash(const char *user, size_t len);

#endif
