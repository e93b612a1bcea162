/*
 * sequex/output.h - what the state machine produces: fixed-size 128-byte
 * records, emitted in order through a sink while a command is applied.
 *
 * For each command the engine emits, in this order:
 *   - SX_OUT_ACCOUNT for each account it creates (names travel once, so
 *     later records carry 32-bit account handles; consumers keep their own
 *     handle -> name table),
 *   - its events (SX_OUT_EV_*) in the order of spec/commands.md,
 *   - query items (SX_OUT_IT_*) that make up a query reply's data,
 *   - exactly one SX_OUT_REPLY, always last: it closes the command.
 * Records are copied by value (into rings later); nothing points into
 * engine memory.
 */
#ifndef SEQUEX_OUTPUT_H
#define SEQUEX_OUTPUT_H

#include <stdint.h>

#include "sequex/types.h"

/* Account handles of the system accounts (signed balances allowed). */
#define SX_ACCT_HOUSE 0u
#define SX_ACCT_INSURANCE 1u
#define SX_ACCT_FEES 2u
#define SX_ACCT_FIRST_USER 3u
#define SX_ACCT_NONE UINT32_MAX

enum sx_out_kind {
	SX_OUT_REPLY = 1,
	SX_OUT_ACCOUNT,    /* a new account: handle and name */
	SX_OUT_EV_ORDER,
	SX_OUT_EV_TRADE,
	SX_OUT_EV_BALANCE,
	SX_OUT_IT_BALANCE, /* CHECK_BALANCE: one per configured asset */
	SX_OUT_IT_LEVEL,   /* GET_DEPTH: bids best first, then asks best first */
	SX_OUT_IT_ORDER,   /* GET_ORDER's order; CHECK_OPEN_ORDERS rows */
};

/* An order as events and replies show it. */
struct sx_order_view {
	uint64_t id;
	int64_t price;   /* ticks; 0 for market orders */
	int64_t qty;     /* lots: filled + what still rests or could have rested */
	int64_t filled;  /* lots */
	int64_t remaining; /* lots still resting (0 once finished) */
	uint32_t user;   /* account handle */
	uint16_t market;
	uint8_t side, otype, tif, status; /* enums of types.h */
	uint8_t coid_len;
	char coid[SX_COID_MAX];
};

struct sx_trade_view {
	uint64_t trade_id;
	uint64_t maker_order, taker_order;
	int64_t price; /* ticks */
	int64_t qty;   /* lots */
	int64_t maker_fee, taker_fee; /* quote minor units */
	uint32_t maker_user, taker_user;
	uint16_t market;
	uint8_t taker_side;
};

struct sx_balance_view {
	int64_t available, locked; /* minor units */
	uint32_t account;
	uint16_t asset;
};

struct sx_level_view {
	int64_t price; /* ticks */
	int64_t qty;   /* lots */
	uint16_t market;
	uint8_t side;
};

struct sx_account_view {
	uint32_t account;
	uint8_t len;
	char name[SX_USERID_MAX];
};

/*
 * The reply. ok = code == SX_OK. On rejection field/detail say why and
 * a, b carry figures for the message (e.g. available and needed amounts of
 * `asset`). On success the meaning of a, b, c depends on cmd_type:
 *   DEPOSIT/WITHDRAW: a = available, b = locked of `asset` after the move;
 *   QUOTE: a = fillable qty (lots), b = notional (quote minor units),
 *          c = taker fee (quote minor units); market = the market.
 *   PLACE_ORDER, CANCEL_ORDER, AMEND_ORDER, GET_ORDER: a = the order id.
 * The order's final state is the command's last SX_OUT_EV_ORDER of that id
 * (GET_ORDER, which changes nothing, emits it as an SX_OUT_IT_ORDER); the
 * fills are the command's SX_OUT_EV_TRADE records.
 */
struct sx_reply_view {
	uint8_t cmd_type; /* enum sx_cmd_type (REJECTED: see orig_type) */
	uint8_t code;     /* enum sx_code */
	uint8_t field;    /* enum sx_field */
	uint8_t detail;   /* enum sx_detail */
	uint8_t reqid_len;
	uint8_t side;
	uint8_t orig_type; /* REJECTED: the type the decoder recognised, if any */
	uint8_t _pad;
	uint16_t asset;
	uint16_t market;
	uint32_t account; /* the user the command named, or SX_ACCT_NONE */
	int64_t a, b, c;
	char reqid[SX_REQID_MAX];
};

struct sx_out {
	uint8_t kind; /* enum sx_out_kind */
	uint8_t _pad[7];
	uint64_t seq;
	uint64_t ts;
	union {
		struct sx_order_view order;
		struct sx_trade_view trade;
		struct sx_balance_view balance;
		struct sx_level_view level;
		struct sx_account_view account;
		struct sx_reply_view reply;
	} u;
};

_Static_assert(sizeof(struct sx_out) == 128, "output records are 128 bytes");

/*
 * Where the engine writes records: in place, into the consumer's buffer,
 * so no record is copied on its way out. The engine writes record k at
 * buf[n] and increments n; it calls flush (on its own thread, never
 * re-entering the engine) after the last record of every command applied
 * with sx_engine_apply, or of every batch applied with
 * sx_engine_apply_batch (so buf[n-1] is then an SX_OUT_REPLY), and whenever
 * n reaches cap in the middle of a command. flush consumes buf[0..n) and makes room: it sets n
 * to 0, or points buf/cap at fresh space; after it returns n < cap.
 * A ring-backed sink claims slots of the ring as buf (ck_ring's
 * reserve/commit); a tool may collect records in a growing array.
 */
struct sx_sink {
	struct sx_out *buf;
	uint32_t cap; /* >= 2 */
	uint32_t n;
	void (*flush)(struct sx_sink *s);
	void *ctx;    /* the consumer's */
};

/*
 * A sink that passes records one at a time to emit(ctx, rec), in order,
 * through a small internal buffer: for tests and tools that want a
 * per-record callback. Use &rs->sink as the engine's sink.
 */
struct sx_record_sink {
	struct sx_sink sink;
	void (*emit)(void *ctx, const struct sx_out *rec);
	void *ctx;
	struct sx_out buf[32];
};

void sx_record_sink_init(struct sx_record_sink *rs,
			 void (*emit)(void *ctx, const struct sx_out *rec), void *ctx);

#endif
