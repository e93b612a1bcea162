/*
 * sequex/hashmap.h - open-addressing hash table from 64-bit keys to 32-bit
 * handles, sized once at start-up (at least twice the most entries it will
 * ever hold, so a probe always meets an empty slot and nothing ever grows).
 *
 * Linear probing with backward-shift deletion (no tombstones, so lookups
 * stay short however many deletes happen). Key 0 marks an empty slot and
 * may not be stored. Equal keys may be stored more than once (a multi-map):
 * callers whose keys are hashes walk every slot with their key and compare
 * the real identity themselves; callers with unique keys use sx_hmap_get.
 *
 * Owned by one thread (the engine's); no locking.
 */
#ifndef SEQUEX_HASHMAP_H
#define SEQUEX_HASHMAP_H

#include <stdint.h>

#include "sequex/types.h"

struct sx_hslot {
	uint64_t key;
	uint32_t val;
	uint32_t _pad;
};

struct sx_hmap {
	struct sx_hslot *slots;
	uint64_t mask;   /* slot count - 1 (a power of two) */
	uint32_t shift;  /* 64 - log2(slot count) */
	uint32_t count;  /* entries stored */
	uint64_t limit;  /* most entries allowed (half the slots) */
};

#define SX_HMAP_NONE UINT32_MAX

/*
 * Allocate a table for up to max_entries entries (slots: the next power of
 * two >= 2 * max_entries, at least 16). Returns 0 or -ENOMEM.
 */
int sx_hmap_init(struct sx_hmap *m, uint64_t max_entries);

/* Free the slots; the map may be initialised again. */
void sx_hmap_free(struct sx_hmap *m);

/* Remove every entry (O(slots)). */
void sx_hmap_clear(struct sx_hmap *m);

/* The home slot of key (Fibonacci hashing, so sequential keys spread). */
static inline uint64_t sx_hmap_home(const struct sx_hmap *m, uint64_t key)
{
	return (key * 0x9E3779B97F4A7C15ull) >> m->shift;
}

/*
 * Insert (key, val); key != 0. The caller guarantees count < limit
 * (SX_ASSERT otherwise): tables are sized so this never fails at run time.
 */
void sx_hmap_insert(struct sx_hmap *m, uint64_t key, uint32_t val);

/* The value of a unique key, or SX_HMAP_NONE. */
static inline uint32_t sx_hmap_get(const struct sx_hmap *m, uint64_t key)
{
	for (uint64_t i = sx_hmap_home(m, key);; i = (i + 1) & m->mask) {
		const struct sx_hslot *s = &m->slots[i];
		if (s->key == key)
			return s->val;
		if (s->key == 0)
			return SX_HMAP_NONE;
	}
}

/*
 * Remove the slot holding exactly (key, val). Returns true when found.
 */
bool sx_hmap_remove(struct sx_hmap *m, uint64_t key, uint32_t val);

/*
 * Multi-map walk: for (i = sx_hmap_first(m, k); i != SX_HMAP_END;
 *                      i = sx_hmap_next(m, k, i)) use m->slots[i].val
 */
#define SX_HMAP_END UINT64_MAX
static inline uint64_t sx_hmap_next(const struct sx_hmap *m, uint64_t key,
				    uint64_t from)
{
	for (uint64_t i = from;; i = (i + 1) & m->mask) {
		const struct sx_hslot *s = &m->slots[i];
		if (s->key == key)
			return i;
		if (s->key == 0)
			return SX_HMAP_END;
	}
}
static inline uint64_t sx_hmap_first(const struct sx_hmap *m, uint64_t key)
{
	return sx_hmap_next(m, key, sx_hmap_home(m, key));
}
#define sx_hmap_after(m, key, i) sx_hmap_next((m), (key), ((i) + 1) & (m)->mask)

#endif
