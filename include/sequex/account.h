/*
 * sequex/account.h - accounts and their balances: the three system
 * accounts (house, insurance, fees: handles 0-2, signed balances) and user
 * accounts found by their id string, each with an (available, locked) pair
 * per configured asset, plus per-command change tracking so the engine can
 * emit one balance event per (account, asset) that changed, in the order of
 * first change.
 *
 * Accounts are never deleted (handles are stable for the engine's life).
 * Every array is allocated at init. Owned by the engine's thread.
 */
#ifndef SEQUEX_ACCOUNT_H
#define SEQUEX_ACCOUNT_H

#include <stdint.h>

#include "sequex/hashmap.h"
#include "sequex/output.h"
#include "sequex/types.h"

struct sx_balance {
	int64_t available;
	int64_t locked;
	uint64_t mark; /* epoch of the command that last recorded it as changed */
};

/* A balance touched by the current command, with its value before. */
struct sx_touched {
	uint32_t account;
	uint16_t asset;
	int64_t available0, locked0;
};

struct sx_accounts {
	uint16_t nassets;
	uint32_t cap;  /* accounts, system ones included */
	uint32_t n;    /* accounts in use */
	struct sx_balance *bal;        /* [cap * nassets] */
	char (*name)[SX_USERID_MAX];   /* [cap] */
	uint8_t *name_len;             /* [cap] */
	uint64_t *hash;                /* [cap] sx_user_hash of the name */
	uint32_t *ofirst, *olast;      /* [cap] the account's open orders (engine links) */
	struct sx_hmap users;          /* user hash -> handle (multi-map) */
	struct sx_touched *touched;    /* changes of the current command */
	uint32_t ntouched, touched_cap;
	uint64_t epoch;
};

/*
 * Allocate room for max_users user accounts plus the system accounts, for
 * nassets assets; touched_cap bounds the (account, asset) pairs one command
 * may change. Returns 0, -EINVAL or -ENOMEM.
 */
int sx_accounts_init(struct sx_accounts *a, uint32_t max_users, uint16_t nassets,
		     uint32_t touched_cap);
void sx_accounts_free(struct sx_accounts *a);

/* The handle of the user named name[0..len) with hash h, or SX_ACCT_NONE. */
uint32_t sx_accounts_find(const struct sx_accounts *a, uint64_t h,
			  const char *name, size_t len);

/* Create a user account with zero balances. Returns its handle, or
 * SX_ACCT_NONE when the pool is full. */
uint32_t sx_accounts_create(struct sx_accounts *a, uint64_t h, const char *name,
			    size_t len);

/* Undo the creation of the newest account h (a rejected command). */
void sx_accounts_drop_newest(struct sx_accounts *a, uint32_t h);

/* Start a new command: forget the previous command's changes. */
static inline void sx_accounts_begin(struct sx_accounts *a, uint64_t epoch)
{
	a->epoch = epoch;
	a->ntouched = 0;
}

static inline struct sx_balance *sx_bal(struct sx_accounts *a, uint32_t acct,
					uint16_t asset)
{
	return &a->bal[(uint64_t)acct * a->nassets + asset];
}

/*
 * The balance about to change: remembered (once per command) with its
 * current value, then returned for the caller to modify.
 */
static inline struct sx_balance *sx_bal_touch(struct sx_accounts *a, uint32_t acct,
					      uint16_t asset)
{
	uint64_t i = (uint64_t)acct * a->nassets + asset;
	struct sx_balance *b = &a->bal[i];
	if (b->mark != a->epoch) {
		SX_ASSERT(a->ntouched < a->touched_cap);
		b->mark = a->epoch;
		struct sx_touched *t = &a->touched[a->ntouched++];
		t->account = acct;
		t->asset = asset;
		t->available0 = b->available;
		t->locked0 = b->locked;
	}
	return b;
}

/* The name of a system account ("house", "insurance", "fees") or NULL. */
const char *sx_account_system_name(uint32_t acct);

#endif
