/*
 * sequex/book.h - order and price-level pools and the spot order book
 * structure. Per market and side, price levels live in a ladder: a window
 * of SX_LADDER_W consecutive prices indexed directly (level handle per
 * price, plus a two-level bitmap to find the neighbouring occupied price),
 * so finding, creating and deleting a level near the market is O(1).
 * Levels outside the window go to an AVL tree keyed by price (O(log n)).
 * The best level of a side is cached; the next level away from it is found
 * in the bitmap (a few word scans) or, outside the window, in the tree, so
 * creating and deleting a level touches no neighbour. Appending to and
 * unlinking from a level's FIFO queue is O(1).
 *
 * The window is placed around the first level of an empty side and stays
 * put while the side has levels, so tree levels are always outside it.
 *
 * Everything is addressed by 32-bit handles into pools allocated once; no
 * function here allocates after sx_pools_init. Owned by the engine's
 * thread. Matching rules live in engine.c; this module keeps structure
 * (queues, level totals, tree) consistent and nothing else.
 */
#ifndef SEQUEX_BOOK_H
#define SEQUEX_BOOK_H

#include <stdint.h>

#include "sequex/types.h"

#define SX_NIL UINT32_MAX

/* A resting (or being-placed) order: one cache line. */
struct sx_order {
	uint64_t id;
	int64_t price;     /* ticks (0 for market orders) */
	int64_t remaining; /* lots still open */
	int64_t filled;    /* lots filled so far */
	int64_t locked;    /* minor units held for it (quote for buys, base for sells) */
	uint32_t user;     /* account handle */
	uint32_t level;    /* level handle while resting, else SX_NIL */
	uint32_t prev, next;   /* FIFO neighbours within the level */
	uint16_t market;
	uint8_t side, otype, tif, stp;
	uint8_t coid_len;
	uint8_t _pad;
};
_Static_assert(sizeof(struct sx_order) == 64, "an order is one cache line");

/* The owner's open-order list links of order h (cold: queries, retire). */
struct sx_ulink {
	uint32_t prev, next;
};

struct sx_level {
	int64_t price;
	int64_t total;     /* sum of remaining of its orders, lots */
	uint32_t head, tail; /* oldest, newest order */
	uint32_t count;    /* orders */
	uint32_t left, right; /* AVL children (tree levels) */
	int32_t height;    /* AVL height; 0 for a level in the ladder */
};

#define SX_LADDER_BITS 16
#define SX_LADDER_W (1u << SX_LADDER_BITS)

struct sx_ladder {
	int64_t base;      /* price of slot 0 */
	uint32_t count;    /* levels in the window */
	uint32_t *slot;    /* [SX_LADDER_W] level handle or SX_NIL */
	uint64_t *bits;    /* [SX_LADDER_W / 64] occupied slots */
	uint64_t sum[SX_LADDER_W / 4096]; /* non-zero words of bits */
};

struct sx_book {
	uint32_t root[2];    /* per side (enum sx_side): tree of out-of-window levels */
	uint32_t best[2];    /* highest bid level, lowest ask level */
	uint32_t nlevels[2];
	uint32_t norders[2];
	struct sx_ladder lad[2];
};

struct sx_pools {
	struct sx_order *orders;
	struct sx_ulink *ulinks;    /* per order: the owner's open-order list */
	char (*coids)[SX_COID_MAX]; /* client order id of order h, coid_len bytes */
	struct sx_level *levels;
	uint32_t order_cap, level_cap;
	uint32_t order_free, level_free; /* free lists threaded through next / head */
	uint32_t orders_used, levels_used;
};

/* Allocate the pools. Returns 0 or -ENOMEM. */
int sx_pools_init(struct sx_pools *p, uint32_t order_cap, uint32_t level_cap);
void sx_pools_free(struct sx_pools *p);

/* An order slot, or SX_NIL when the pool is empty. The slot is zeroed
 * except for its links (all SX_NIL). */
uint32_t sx_order_alloc(struct sx_pools *p);
void sx_order_release(struct sx_pools *p, uint32_t h);

/* An empty book with its ladders allocated. Returns 0 or -ENOMEM. */
int sx_book_init(struct sx_book *b);

/* Free a book's ladders (not its orders: they belong to the pools). */
void sx_book_free(struct sx_book *b);

/*
 * Append order h (its price and side set, not resting) at the tail of the
 * level of its price, creating the level when needed (the level pool is
 * sized so this cannot fail: SX_ASSERT).
 */
void sx_book_add(struct sx_pools *p, struct sx_book *b, uint32_t h);

/* Unlink resting order h from its level; an emptied level is deleted. */
void sx_book_remove(struct sx_pools *p, struct sx_book *b, uint32_t h);

/* Lower resting order h's remaining by lots (> 0, <= remaining) in place,
 * keeping its place in the queue; the level total follows. The order is
 * not removed when it reaches zero (the caller removes it). */
static inline void sx_book_reduce(struct sx_pools *p, uint32_t h, int64_t lots)
{
	struct sx_order *o = &p->orders[h];
	o->remaining -= lots;
	p->levels[o->level].total -= lots;
}

/* The level at price on side, or SX_NIL. O(1) in the window, else O(log n). */
uint32_t sx_book_find(const struct sx_pools *p, const struct sx_book *b,
		      enum sx_side side, int64_t price);

/*
 * The next level after lv going away from the best on side (the next lower
 * bid, the next higher ask), or SX_NIL. O(1) in the window (bitmap scan),
 * O(log n) for levels outside it.
 */
uint32_t sx_book_worse(const struct sx_pools *p, const struct sx_book *b, uint32_t lv,
		       enum sx_side side);

/*
 * Check the structure of one book (ladder slots and bitmaps, tree order and
 * balance, the walk from the best level, level totals and counts, best
 * cache). Returns 0 or a negative line
 * number identifying the failed check. O(orders + levels): tests only.
 */
int sx_book_check(const struct sx_pools *p, const struct sx_book *b);

/* The check sx_book_check leaves out because it costs O(SX_LADDER_W): no
 * ladder slot holds a level without its bit set. 0 or a negative line. */
int sx_book_check_slots(const struct sx_book *b);

#endif
