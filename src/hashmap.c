/*
 * hashmap.c - open addressing with linear probing and backward-shift
 * deletion (see sequex/hashmap.h). Invariant: every stored entry is
 * reachable from its home slot without crossing an empty slot.
 */
#include "sequex/hashmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sx_hmap_init(struct sx_hmap *m, uint64_t max_entries)
{
	uint64_t slots = 16;
	unsigned bits = 4;
	while (slots < 2 * max_entries) {
		if (bits >= 40)
			return -ENOMEM;
		slots <<= 1;
		bits++;
	}
	m->slots = calloc(slots, sizeof(*m->slots));
	if (!m->slots)
		return -ENOMEM;
	m->mask = slots - 1;
	m->shift = 64 - bits;
	m->count = 0;
	m->limit = slots / 2;
	return 0;
}

void sx_hmap_free(struct sx_hmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->count = 0;
}

void sx_hmap_clear(struct sx_hmap *m)
{
	memset(m->slots, 0, (m->mask + 1) * sizeof(*m->slots));
	m->count = 0;
}

void sx_hmap_insert(struct sx_hmap *m, uint64_t key, uint32_t val)
{
	SX_ASSERT(key != 0);
	SX_ASSERT(m->count < m->limit);
	uint64_t i = sx_hmap_home(m, key);
	while (m->slots[i].key != 0)
		i = (i + 1) & m->mask;
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->count++;
}

bool sx_hmap_remove(struct sx_hmap *m, uint64_t key, uint32_t val)
{
	uint64_t i;
	for (i = sx_hmap_first(m, key); i != SX_HMAP_END; i = sx_hmap_after(m, key, i))
		if (m->slots[i].val == val)
			break;
	if (i == SX_HMAP_END)
		return false;
	/* Backward shift: pull later entries of the cluster into the hole when
	 * the hole lies on their probe path (between home and position). */
	uint64_t hole = i;
	for (uint64_t j = (hole + 1) & m->mask; m->slots[j].key != 0; j = (j + 1) & m->mask) {
		uint64_t home = sx_hmap_home(m, m->slots[j].key);
		/* distance from home to j vs from home to hole, cyclically */
		if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].key = 0;
	m->slots[hole].val = 0;
	m->count--;
	return true;
}
