/*
 * test_hashmap.c - unit tests of the open-addressing hash table
 * (sequex/hashmap.h): sizing, insert/get/remove, keys sharing a home slot,
 * backward-shift deletion inside a cluster that wraps around the end of
 * the table, the multi-map walk with duplicate keys, and a long randomized
 * run against a naive reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sequex/hashmap.h"

/* Deterministic PRNG (splitmix64) so every run is the same. */
static uint64_t rng_state;
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The n-th (from 0) nonzero key whose home slot in m is `home`. */
static uint64_t key_with_home(const struct sx_hmap *m, uint64_t home, unsigned nth)
{
	for (uint64_t k = 1;; k++) {
		if (sx_hmap_home(m, k) == home) {
			if (nth == 0)
				return k;
			nth--;
		}
	}
}

/* The slot index holding key, or SX_HMAP_END. */
static uint64_t slot_of(const struct sx_hmap *m, uint64_t key)
{
	for (uint64_t i = 0; i <= m->mask; i++)
		if (m->slots[i].key == key)
			return i;
	return SX_HMAP_END;
}

/* Every stored entry is reachable from its home without crossing an empty
 * slot (the table's invariant), and count matches the occupied slots. */
static void check_invariant(const struct sx_hmap *m)
{
	uint64_t used = 0;
	for (uint64_t i = 0; i <= m->mask; i++) {
		if (m->slots[i].key == 0)
			continue;
		used++;
		for (uint64_t j = sx_hmap_home(m, m->slots[i].key); j != i; j = (j + 1) & m->mask)
			assert_int_not_equal(m->slots[j].key, 0);
	}
	assert_int_equal(used, m->count);
}

static void test_init_sizes(void **state)
{
	(void)state;
	struct sx_hmap m;
	assert_int_equal(sx_hmap_init(&m, 0), 0);
	assert_int_equal(m.mask, 15);
	assert_int_equal(m.shift, 60);
	assert_int_equal(m.limit, 8);
	assert_int_equal(m.count, 0);
	sx_hmap_free(&m);
	assert_null(m.slots);

	assert_int_equal(sx_hmap_init(&m, 8), 0);
	assert_int_equal(m.mask, 15);
	sx_hmap_free(&m);

	assert_int_equal(sx_hmap_init(&m, 9), 0); /* 18 slots needed -> 32 */
	assert_int_equal(m.mask, 31);
	assert_int_equal(m.shift, 59);
	assert_int_equal(m.limit, 16);
	sx_hmap_free(&m);

	assert_int_equal(sx_hmap_init(&m, 1000), 0);
	assert_int_equal(m.mask, 2047);
	assert_int_equal(m.limit, 1024);
	for (uint64_t i = 0; i <= m.mask; i++)
		assert_int_equal(m.slots[i].key, 0);
	sx_hmap_free(&m);
}

static void test_insert_get_remove(void **state)
{
	(void)state;
	struct sx_hmap m;
	assert_int_equal(sx_hmap_init(&m, 100), 0);
	assert_int_equal(sx_hmap_get(&m, 42), SX_HMAP_NONE);
	sx_hmap_insert(&m, 42, 7);
	sx_hmap_insert(&m, 43, 8);
	sx_hmap_insert(&m, UINT64_MAX, 9);
	sx_hmap_insert(&m, 1, 0); /* value 0 is a valid value */
	assert_int_equal(m.count, 4);
	assert_int_equal(sx_hmap_get(&m, 42), 7);
	assert_int_equal(sx_hmap_get(&m, 43), 8);
	assert_int_equal(sx_hmap_get(&m, UINT64_MAX), 9);
	assert_int_equal(sx_hmap_get(&m, 1), 0);
	assert_int_equal(sx_hmap_get(&m, 44), SX_HMAP_NONE);

	/* removal needs the exact (key, val) pair */
	assert_false(sx_hmap_remove(&m, 42, 8));
	assert_int_equal(m.count, 4);
	assert_false(sx_hmap_remove(&m, 44, 7));
	assert_true(sx_hmap_remove(&m, 42, 7));
	assert_int_equal(m.count, 3);
	assert_int_equal(sx_hmap_get(&m, 42), SX_HMAP_NONE);
	assert_false(sx_hmap_remove(&m, 42, 7));
	assert_int_equal(sx_hmap_get(&m, 43), 8);
	assert_int_equal(sx_hmap_get(&m, UINT64_MAX), 9);
	assert_true(sx_hmap_remove(&m, 1, 0));
	assert_int_equal(sx_hmap_get(&m, 1), SX_HMAP_NONE);
	check_invariant(&m);

	sx_hmap_clear(&m);
	assert_int_equal(m.count, 0);
	assert_int_equal(sx_hmap_get(&m, 43), SX_HMAP_NONE);
	assert_int_equal(sx_hmap_get(&m, UINT64_MAX), SX_HMAP_NONE);
	sx_hmap_insert(&m, 43, 5);
	assert_int_equal(sx_hmap_get(&m, 43), 5);
	sx_hmap_free(&m);
}

/* Keys that share one home slot probe linearly from it. */
static void test_same_home(void **state)
{
	(void)state;
	struct sx_hmap m;
	assert_int_equal(sx_hmap_init(&m, 8), 0); /* 16 slots */
	uint64_t k[4];
	for (unsigned i = 0; i < 4; i++) {
		k[i] = key_with_home(&m, 5, i);
		assert_int_equal(sx_hmap_home(&m, k[i]), 5);
		sx_hmap_insert(&m, k[i], 100 + i);
	}
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(slot_of(&m, k[i]), 5 + i);
		assert_int_equal(sx_hmap_get(&m, k[i]), 100 + i);
	}
	/* a key whose home is 6 lands after the cluster */
	uint64_t k6 = key_with_home(&m, 6, 0);
	sx_hmap_insert(&m, k6, 200);
	assert_int_equal(slot_of(&m, k6), 9);
	/* a missing key with the same home is not found */
	assert_int_equal(sx_hmap_get(&m, key_with_home(&m, 5, 7)), SX_HMAP_NONE);

	/* remove the first of the cluster: everything shifts back one slot */
	assert_true(sx_hmap_remove(&m, k[0], 100));
	assert_int_equal(slot_of(&m, k[1]), 5);
	assert_int_equal(slot_of(&m, k[2]), 6);
	assert_int_equal(slot_of(&m, k[3]), 7);
	assert_int_equal(slot_of(&m, k6), 8);
	assert_int_equal(m.slots[9].key, 0);
	for (unsigned i = 1; i < 4; i++)
		assert_int_equal(sx_hmap_get(&m, k[i]), 100 + i);
	assert_int_equal(sx_hmap_get(&m, k6), 200);
	check_invariant(&m);

	/* remove the last of the home-5 run (slot 7): k6 (home 6, slot 6
	 * taken by k[2]) moves back into slot 7 */
	assert_true(sx_hmap_remove(&m, k[3], 103));
	assert_int_equal(slot_of(&m, k6), 7);
	assert_int_equal(m.slots[8].key, 0);
	check_invariant(&m);
	assert_int_equal(m.count, 3);
	sx_hmap_free(&m);
}

/*
 * A cluster that wraps from the last slot to the first: removing its middle
 * entry must pull later entries back across the wrap, but only those whose
 * home lies at or before the hole (cyclically).
 */
static void test_wrapped_cluster(void **state)
{
	(void)state;
	struct sx_hmap m;
	assert_int_equal(sx_hmap_init(&m, 8), 0); /* 16 slots, mask 15 */
	uint64_t a = key_with_home(&m, 14, 0); /* slot 14 */
	uint64_t b = key_with_home(&m, 14, 1); /* slot 15 */
	uint64_t c = key_with_home(&m, 15, 0); /* slot 0 (wrapped) */
	uint64_t d = key_with_home(&m, 14, 2); /* slot 1 */
	uint64_t e = key_with_home(&m, 1, 0);  /* slot 2 (home 1 taken) */
	uint64_t f = key_with_home(&m, 3, 0);  /* slot 3, its own home */
	uint64_t g = key_with_home(&m, 0, 0);  /* slot 4 */
	sx_hmap_insert(&m, a, 1);
	sx_hmap_insert(&m, b, 2);
	sx_hmap_insert(&m, c, 3);
	sx_hmap_insert(&m, d, 4);
	sx_hmap_insert(&m, e, 5);
	sx_hmap_insert(&m, f, 6);
	sx_hmap_insert(&m, g, 7);
	assert_int_equal(slot_of(&m, a), 14);
	assert_int_equal(slot_of(&m, b), 15);
	assert_int_equal(slot_of(&m, c), 0);
	assert_int_equal(slot_of(&m, d), 1);
	assert_int_equal(slot_of(&m, e), 2);
	assert_int_equal(slot_of(&m, f), 3);
	assert_int_equal(slot_of(&m, g), 4);
	check_invariant(&m);

	/* remove b (slot 15, middle of the wrapped cluster) */
	assert_true(sx_hmap_remove(&m, b, 2));
	/* c (home 15) moves into 15, d (home 14) into 0, e (home 1) into 1,
	 * f stays at its home 3, g (home 0) moves to 2 */
	assert_int_equal(slot_of(&m, a), 14);
	assert_int_equal(slot_of(&m, c), 15);
	assert_int_equal(slot_of(&m, d), 0);
	assert_int_equal(slot_of(&m, e), 1);
	assert_int_equal(slot_of(&m, g), 2);
	assert_int_equal(slot_of(&m, f), 3);
	assert_int_equal(m.slots[4].key, 0);
	check_invariant(&m);
	const uint64_t keys[] = {a, c, d, e, f, g};
	const uint32_t vals[] = {1, 3, 4, 5, 6, 7};
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(sx_hmap_get(&m, keys[i]), vals[i]);
	assert_int_equal(sx_hmap_get(&m, b), SX_HMAP_NONE);
	assert_int_equal(m.count, 6);

	/* remove d (now in slot 0): e stays in its home slot 1, g (home 0)
	 * moves from 2 to 0 */
	assert_true(sx_hmap_remove(&m, d, 4));
	assert_int_equal(slot_of(&m, e), 1);
	assert_int_equal(slot_of(&m, g), 0);
	assert_int_equal(slot_of(&m, f), 3);
	assert_int_equal(m.slots[2].key, 0);
	check_invariant(&m);
	for (unsigned i = 0; i < 6; i++)
		if (keys[i] != d)
			assert_int_equal(sx_hmap_get(&m, keys[i]), vals[i]);
	sx_hmap_free(&m);
}

/* Equal keys stored more than once: the walk visits each, removal is by
 * (key, val). */
static void test_multimap(void **state)
{
	(void)state;
	struct sx_hmap m;
	assert_int_equal(sx_hmap_init(&m, 8), 0);
	uint64_t k = key_with_home(&m, 15, 0);  /* home at the end: walk wraps */
	uint64_t other = key_with_home(&m, 15, 1);
	sx_hmap_insert(&m, k, 10);
	sx_hmap_insert(&m, other, 99);
	sx_hmap_insert(&m, k, 11);
	sx_hmap_insert(&m, k, 12);
	assert_int_equal(m.count, 4);

	unsigned seen = 0, n = 0;
	for (uint64_t i = sx_hmap_first(&m, k); i != SX_HMAP_END; i = sx_hmap_after(&m, k, i)) {
		assert_int_equal(m.slots[i].key, k);
		uint32_t v = m.slots[i].val;
		assert_true(v >= 10 && v <= 12);
		seen |= 1u << (v - 10);
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(seen, 7);
	/* unique-key get returns the first stored */
	assert_int_equal(sx_hmap_get(&m, k), 10);

	assert_true(sx_hmap_remove(&m, k, 11));
	assert_false(sx_hmap_remove(&m, k, 11));
	n = 0;
	seen = 0;
	for (uint64_t i = sx_hmap_first(&m, k); i != SX_HMAP_END; i = sx_hmap_after(&m, k, i)) {
		seen |= 1u << (m.slots[i].val - 10);
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(seen, 5);
	assert_int_equal(sx_hmap_get(&m, other), 99);
	check_invariant(&m);

	assert_true(sx_hmap_remove(&m, k, 10));
	assert_int_equal(sx_hmap_get(&m, k), 12);
	assert_true(sx_hmap_remove(&m, k, 12));
	assert_int_equal(sx_hmap_first(&m, k), SX_HMAP_END);
	assert_int_equal(sx_hmap_get(&m, other), 99);
	assert_int_equal(m.count, 1);
	check_invariant(&m);
	sx_hmap_free(&m);
}

/* ~200k random operations against a reference array of unique keys. */
#define RKEYS 3000u
static void test_randomized(void **state)
{
	(void)state;
	struct sx_hmap m;
	/* a small table at its full load (half the slots) so clusters are long */
	assert_int_equal(sx_hmap_init(&m, 1024), 0);
	assert_int_equal(m.limit, 1024);
	/* ref[i]: value stored for key keys[i], or SX_HMAP_NONE */
	static uint64_t keys[RKEYS];
	static uint32_t ref[RKEYS];
	rng_state = 12345;
	for (unsigned i = 0; i < RKEYS; i++) {
		/* half sequential small keys, half random 64-bit ones; all distinct
		 * and nonzero */
		keys[i] = i < RKEYS / 2 ? i + 1 : (rng() | (1ull << 63));
		ref[i] = SX_HMAP_NONE;
	}
	uint32_t count = 0;
	for (unsigned op = 0; op < 200000; op++) {
		unsigned i = (unsigned)(rng() % RKEYS);
		unsigned what = (unsigned)(rng() % 3);
		if (what == 0 && ref[i] == SX_HMAP_NONE && count < m.limit) {
			uint32_t v = (uint32_t)(rng() % 1000000);
			sx_hmap_insert(&m, keys[i], v);
			ref[i] = v;
			count++;
		} else if (what == 1 && ref[i] != SX_HMAP_NONE) {
			assert_false(sx_hmap_remove(&m, keys[i], ref[i] + 1));
			assert_true(sx_hmap_remove(&m, keys[i], ref[i]));
			ref[i] = SX_HMAP_NONE;
			count--;
		} else if (what == 1) {
			assert_false(sx_hmap_remove(&m, keys[i], 0));
		}
		assert_int_equal(m.count, count);
		assert_int_equal(sx_hmap_get(&m, keys[i]), ref[i]);
		if (op % 2000 == 0 || op == 199999) {
			for (unsigned j = 0; j < RKEYS; j++)
				if (sx_hmap_get(&m, keys[j]) != ref[j])
					fail_msg("op %u key #%u: got %u want %u", op, j,
						 sx_hmap_get(&m, keys[j]), ref[j]);
			check_invariant(&m);
		}
	}
	/* drain: everything left is removed and the table ends empty */
	for (unsigned j = 0; j < RKEYS; j++) {
		if (ref[j] != SX_HMAP_NONE) {
			assert_true(sx_hmap_remove(&m, keys[j], ref[j]));
			count--;
			assert_int_equal(m.count, count);
		}
	}
	assert_int_equal(m.count, 0);
	for (uint64_t i = 0; i <= m.mask; i++)
		assert_int_equal(m.slots[i].key, 0);
	sx_hmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_sizes),
		cmocka_unit_test(test_insert_get_remove),
		cmocka_unit_test(test_same_home),
		cmocka_unit_test(test_wrapped_cluster),
		cmocka_unit_test(test_multimap),
		cmocka_unit_test(test_randomized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
