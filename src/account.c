/*
 * account.c - the account table (see sequex/account.h). Invariants: handles
 * 0..2 are the system accounts and never in the user index; every user
 * handle < n is in the index under the hash of its name; touched[] holds
 * each balance changed by the current command exactly once, in the order of
 * first change. Engine thread only.
 */
#include "sequex/account.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sx_accounts_init(struct sx_accounts *a, uint32_t max_users, uint16_t nassets,
		     uint32_t touched_cap)
{
	memset(a, 0, sizeof(*a));
	if (nassets == 0 || max_users == 0 || max_users > UINT32_MAX / 2 - SX_ACCT_FIRST_USER ||
	    touched_cap == 0)
		return -EINVAL;
	uint32_t cap = max_users + SX_ACCT_FIRST_USER;
	a->nassets = nassets;
	a->cap = cap;
	a->bal = calloc((size_t)cap * nassets, sizeof(*a->bal));
	a->name = calloc(cap, sizeof(*a->name));
	a->name_len = calloc(cap, sizeof(*a->name_len));
	a->hash = calloc(cap, sizeof(*a->hash));
	a->ofirst = malloc((size_t)cap * sizeof(*a->ofirst));
	a->olast = malloc((size_t)cap * sizeof(*a->olast));
	a->touched = calloc(touched_cap, sizeof(*a->touched));
	if (!a->bal || !a->name || !a->name_len || !a->hash || !a->ofirst || !a->olast ||
	    !a->touched || sx_hmap_init(&a->users, max_users) != 0) {
		sx_accounts_free(a);
		return -ENOMEM;
	}
	memset(a->ofirst, 0xff, (size_t)cap * sizeof(*a->ofirst));
	memset(a->olast, 0xff, (size_t)cap * sizeof(*a->olast));
	a->touched_cap = touched_cap;
	for (uint32_t i = 0; i < SX_ACCT_FIRST_USER; i++) {
		const char *n = sx_account_system_name(i);
		size_t len = strlen(n);
		memcpy(a->name[i], n, len);
		a->name_len[i] = (uint8_t)len;
	}
	a->n = SX_ACCT_FIRST_USER;
	a->epoch = 0;
	return 0;
}

void sx_accounts_free(struct sx_accounts *a)
{
	free(a->bal);
	free(a->name);
	free(a->name_len);
	free(a->hash);
	free(a->ofirst);
	free(a->olast);
	free(a->touched);
	if (a->users.slots)
		sx_hmap_free(&a->users);
	memset(a, 0, sizeof(*a));
}

uint32_t sx_accounts_find(const struct sx_accounts *a, uint64_t h, const char *name,
			  size_t len)
{
	const struct sx_hmap *m = &a->users;
	for (uint64_t i = sx_hmap_first(m, h); i != SX_HMAP_END; i = sx_hmap_after(m, h, i)) {
		uint32_t acct = m->slots[i].val;
		if (a->name_len[acct] == len && memcmp(a->name[acct], name, len) == 0)
			return acct;
	}
	return SX_ACCT_NONE;
}

uint32_t sx_accounts_create(struct sx_accounts *a, uint64_t h, const char *name,
			    size_t len)
{
	SX_ASSERT(len > 0 && len <= SX_USERID_MAX);
	if (a->n >= a->cap)
		return SX_ACCT_NONE;
	uint32_t acct = a->n++;
	memcpy(a->name[acct], name, len);
	a->name_len[acct] = (uint8_t)len;
	a->hash[acct] = h;
	a->ofirst[acct] = a->olast[acct] = UINT32_MAX;
	sx_hmap_insert(&a->users, h, acct);
	return acct;
}

void sx_accounts_drop_newest(struct sx_accounts *a, uint32_t acct)
{
	SX_ASSERT(acct + 1 == a->n && acct >= SX_ACCT_FIRST_USER);
	bool removed = sx_hmap_remove(&a->users, a->hash[acct], acct);
	SX_ASSERT(removed);
	for (uint16_t s = 0; s < a->nassets; s++) {
		struct sx_balance *b = sx_bal(a, acct, s);
		b->available = b->locked = 0;
		b->mark = 0;
	}
	a->name_len[acct] = 0;
	a->n--;
}

const char *sx_account_system_name(uint32_t acct)
{
	switch (acct) {
	case SX_ACCT_HOUSE: return "house";
	case SX_ACCT_INSURANCE: return "insurance";
	case SX_ACCT_FEES: return "fees";
	default: return NULL;
	}
}
