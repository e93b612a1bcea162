/*
 * tests/diff/refmodel.h - a deliberately simple reference model of the
 * spot engine (spec/semantics.md §1-3, §5), written independently of
 * src/engine.c for the differential test.
 *
 * Naive on purpose: accounts are a plain array searched linearly by name,
 * resting orders are one flat array scanned in full to find the best maker
 * (best price, then earliest rest time), every number is computed in
 * __int128 with explicit overflow checks. Nothing here is fast; everything
 * here should be obviously right.
 *
 * The model produces, for each command, the same things the engine shows
 * through its sink (reply, order/trade events, balance changes, query
 * items, created accounts) in the public view structs of sequex/output.h,
 * so the test can compare them field by field.
 */
#ifndef SEQUEX_TESTS_REFMODEL_H
#define SEQUEX_TESTS_REFMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sequex/command.h"
#include "sequex/config.h"
#include "sequex/output.h"

struct ref_bal {
	int64_t avail, locked;
};

struct ref_acct {
	uint8_t len;
	char name[SX_USERID_MAX];
	struct ref_bal bal[SX_MAX_ASSETS];
};

struct ref_order {
	uint64_t id;
	uint64_t rest_seq; /* time priority: larger = later */
	uint32_t user;
	uint16_t market;
	uint8_t side, otype, tif, stp, status;
	uint8_t coid_len;
	char coid[SX_COID_MAX];
	int64_t price;     /* ticks; 0 for market orders */
	int64_t qty;       /* filled + remaining (or the remainder it finished with) */
	int64_t filled;
	int64_t remaining;
	int64_t lock;      /* what it holds locked (quote for buys, base for sells) */
};

/* A growable array of output records. */
struct ref_outv {
	struct sx_out *v;
	size_t n, cap;
};

/* A touched (account, asset) pair and its value when the command began. */
struct ref_touch {
	uint32_t acct;
	uint16_t asset;
	struct ref_bal before;
};

/* What one command produced in the model. */
struct ref_result {
	uint8_t code;             /* enum sx_code */
	uint32_t account;         /* the named user's handle (accepted commands) */
	/* reply figures (output.h): DEPOSIT/WITHDRAW available, locked; QUOTE
	 * qty, notional, fee; PLACE/CANCEL/AMEND/GET_ORDER a = the order's id
	 * (the order's final state is its last order event; only GET_ORDER and
	 * CHECK_OPEN_ORDERS have order items) */
	int64_t a, b, c;
	struct ref_outv accounts; /* SX_OUT_ACCOUNT */
	struct ref_outv events;   /* SX_OUT_EV_ORDER / SX_OUT_EV_TRADE, in order */
	struct ref_outv items;    /* SX_OUT_IT_* */
	struct ref_touch *touch;  /* balance pairs touched, in order of first touch */
	size_t ntouch, captouch;
	/* set when the command, accepted, took a balance outside int64: the
	 * spec has no rule that allows it, so the test reports it */
	char overflow[160];
};

/* How often the model took each interesting path (coverage of a run). */
struct ref_stats {
	long stp_cancel_maker, stp_cancel_taker;
	long fok_expired, fok_filled;
	long market_empty, market_afford_stop, market_limit_stop, market_filled;
	long ioc_expired_after_fill, rested_after_fill;
	long amend_keep, amend_move, amend_cross, amend_cancel;
	long multi_fill; /* takers with more than one fill */
	int64_t max_notional; /* of one trade */
};

struct ref {
	struct sx_config cfg;
	struct ref_stats st;
	struct ref_acct *acct; /* [0..2] system accounts, users from 3 */
	uint32_t nacct, capacct;
	struct ref_order *book; /* every resting order, unordered */
	size_t nbook, capbook;
	uint64_t next_order_id, next_trade_id, next_rest_seq;
	__int128 supply[SX_MAX_ASSETS];
};

struct ref *ref_create(const struct sx_config *cfg);
void ref_destroy(struct ref *r);

/* Apply one command; res is reset first (and owned by the caller). */
void ref_apply(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res);

void ref_result_init(struct ref_result *res);
void ref_result_free(struct ref_result *res);

/* Handle of a user, or SX_ACCT_NONE. */
uint32_t ref_find_user(const struct ref *r, const char *name, size_t len);

/* Number of user accounts. */
static inline uint32_t ref_user_count(const struct ref *r)
{
	return r->nacct - SX_ACCT_FIRST_USER;
}

/* Best price of one side of a market (0 if empty) and its level count. */
int64_t ref_best_price(const struct ref *r, uint16_t market, uint8_t side);
uint32_t ref_level_count(const struct ref *r, uint16_t market, uint8_t side);

/*
 * The model's own invariants: conservation per asset, no negative user
 * balance, each account's locked = sum of its orders' locks, each order's
 * lock = what it still needs, no crossed book. Returns 0 or -1 with msg.
 */
int ref_check(const struct ref *r, char *msg, size_t cap);

/* Money helpers shared with the test (same formulas as the model). */
bool ref_notional(const struct sx_market_cfg *m, int64_t price, int64_t qty, int64_t *out);
int64_t ref_fee(int64_t notional, uint32_t bps);

#endif
