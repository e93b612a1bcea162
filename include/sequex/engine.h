/*
 * sequex/engine.h - the deterministic state machine: accounts, spot order
 * books and matching (spec/semantics.md §1-3, §5).
 *
 * Threading: an engine is owned by exactly one thread (the sequencer, or a
 * replica, or a test); no function here may be called concurrently on the
 * same engine. sx_engine_apply never allocates, makes no syscall, takes no
 * lock and uses no floating point: every pool is sized at creation.
 *
 * Determinism: the output and the next state depend only on the state, the
 * command record and its sequence number (the clock is the command's ts).
 */
#ifndef SEQUEX_ENGINE_H
#define SEQUEX_ENGINE_H

#include <stdint.h>

#include "sequex/command.h"
#include "sequex/config.h"
#include "sequex/output.h"

struct sx_engine;

/*
 * Create an engine for cfg (which must outlive it and not change), with
 * every pool allocated now (cfg->max_orders, cfg->max_accounts). Records
 * go to sink (output.h), which must outlive the engine; its n must be 0.
 * Returns 0 and *out, or -ENOMEM / -EINVAL (inconsistent config or sink).
 * The caller owns the engine and frees it with sx_engine_destroy.
 */
int sx_engine_create(const struct sx_config *cfg, struct sx_sink *sink,
		     struct sx_engine **out);

/* Free an engine and all its pools. NULL is ignored. */
void sx_engine_destroy(struct sx_engine *e);

/*
 * Apply one command with sequence number seq (strictly increasing, from 1).
 * Writes the command's records into the sink, the SX_OUT_REPLY last, and
 * flushes the sink once the command is complete.
 * Rejections are results (reply.code), never failures; an invariant
 * violation aborts through SX_ASSERT.
 */
void sx_engine_apply(struct sx_engine *e, uint64_t seq, const struct sx_cmd *cmd);

/*
 * Apply cmds[0..n) with sequence numbers seq0, seq0 + 1, ...: the same as n
 * calls of sx_engine_apply except that the sink is flushed once, after the
 * last command (and whenever its buffer fills). This is how the sequencer
 * drains a batch from its input rings: one commit of output per batch.
 */
void sx_engine_apply_batch(struct sx_engine *e, uint64_t seq0, const struct sx_cmd *cmds,
			   size_t n);

/*
 * Check every invariant of the state (spec/semantics.md §2-3): each book's
 * structure (tree, lists, level totals and counts) and no crossed book;
 * each resting order's lock equals what it can still need; each account's
 * locked balance equals the sum of its orders' locks; no user balance is
 * negative; per asset, the sum of all balances (system accounts included)
 * equals the supply; the id, client-id and per-user indexes hold exactly the
 * resting orders; pool usage matches. O(accounts x assets + orders); it
 * allocates scratch memory, so it is for tests, tools and the replica,
 * never the command path. Returns 0, -ENOMEM, or -EUCLEAN with a
 * description of the first broken invariant in msg (if msg is not NULL).
 */
int sx_engine_validate(const struct sx_engine *e, char *msg, size_t cap);

/* Read-only views for tools and tests (not for the command path). */

/* Number of user accounts (system accounts excluded). */
uint32_t sx_engine_user_count(const struct sx_engine *e);

/* Number of resting orders over all books. */
uint32_t sx_engine_order_count(const struct sx_engine *e);

/* Number of price levels on one side of a market's book. */
uint32_t sx_engine_level_count(const struct sx_engine *e, uint16_t market,
			       enum sx_side side);

/* Best price (ticks) of one side, or 0 when that side is empty. */
int64_t sx_engine_best_price(const struct sx_engine *e, uint16_t market,
			     enum sx_side side);

/*
 * Balance of an account (handle, including the system accounts) in an
 * asset. Returns 0, or -ENOENT for an unknown account or asset.
 */
int sx_engine_balance(const struct sx_engine *e, uint32_t account,
		      uint16_t asset, int64_t *available, int64_t *locked);

/* The account handle of a user id, or SX_ACCT_NONE. */
uint32_t sx_engine_find_user(const struct sx_engine *e, const char *user,
			     size_t len);

/*
 * Net amount of an asset that entered the system (deposits + demo credits
 * - withdrawals); conservation says it equals the sum of all balances.
 */
__int128 sx_engine_supply(const struct sx_engine *e, uint16_t asset);

#endif
