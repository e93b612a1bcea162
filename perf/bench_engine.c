/*
 * bench_engine.c - in-process benchmark of the state machine on the
 * exchange-core-style order flow of spec/semantics.md §6: about 9 % GTC
 * limit orders, 3 % IOC, 6 % cancels and 82 % amends (price moves of a
 * resting order), ~1,000 resting orders over ~750 price levels, 1,000 to
 * 10,000 users, a few percent of commands trading.
 *
 * The command stream is generated deterministically from a seed by driving
 * a generator engine (so every cancel and amend names a live order), then
 * replayed on fresh engines: an untimed verification pass, three
 * throughput passes (no timers; commands applied in batches of BATCH as
 * the sequencer drains its input rings), a latency pass (TSC read around
 * every single command), and an optional callgrind window (instructions
 * per command, batched like the throughput passes). Output records go to a
 * sink that copies them into a ring-sized buffer, as an output ring would.
 *
 * Single-threaded; results as text and JSON (--json FILE).
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include <valgrind/callgrind.h>

#include "sequex/engine.h"

/* ---------------- parameters ---------------- */

struct params {
	uint64_t commands;  /* measured commands */
	uint32_t users;
	uint32_t depth;     /* target resting orders */
	uint32_t spread;    /* price band per side, ticks (levels ~ 2 x spread) */
	uint64_t seed;
	const char *json;
	int callgrind;      /* only run the callgrind window */
	int cpu;            /* pin to this CPU (-1: do not pin) */
	uint64_t cg_commands;
};

/* ---------------- deterministic random ---------------- */

static uint64_t rng_state;
static inline uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}
static inline uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * n) >> 32);
}

/* ---------------- sinks ---------------- */

/*
 * The engine writes records in place into a 4096-slot ring, as the
 * sequencer will into a ck_ring's reserved slots; flush is the commit
 * (one per command). The counting variant also tallies trades and
 * rejections (the untimed verification pass).
 */
#define RING_SLOTS 4096
struct ring_sink {
	struct sx_sink sink;
	struct sx_out slots[RING_SLOTS];
	uint32_t pos;
	int counting;
	uint64_t trades, rejects;
};

static void ring_flush(struct sx_sink *k)
{
	struct ring_sink *s = k->ctx;
	if (s->counting)
		for (uint32_t i = 0; i < k->n; i++) {
			s->trades += k->buf[i].kind == SX_OUT_EV_TRADE;
			s->rejects += k->buf[i].kind == SX_OUT_REPLY && k->buf[i].u.reply.code != SX_OK;
		}
	s->pos += k->n;
	if (RING_SLOTS - s->pos < 64) /* wrap before the end: claims are contiguous */
		s->pos = 0;
	k->buf = s->slots + s->pos;
	k->cap = RING_SLOTS - s->pos;
	k->n = 0;
}

static struct sx_sink *ring_sink_init(struct ring_sink *s, int counting)
{
	s->pos = 0;
	s->counting = counting;
	s->trades = s->rejects = 0;
	s->sink = (struct sx_sink){.buf = s->slots, .cap = RING_SLOTS, .n = 0, .flush = ring_flush, .ctx = s};
	return &s->sink;
}

/* Generator sink: tracks which orders rest, to build valid cancels/amends. */
struct live {
	uint64_t id;
	uint32_t user;
	uint8_t side;
	int64_t price;
};

struct gen {
	struct live *orders;  /* live resting orders, unordered */
	uint32_t n, cap;
	uint32_t *pos;        /* order id -> index + 1 in orders (0 = not live) */
	uint64_t pos_cap;
	uint64_t trades;
	int64_t best_bid, best_ask;
};

static void gen_remove(struct gen *g, uint64_t id)
{
	if (id >= g->pos_cap || g->pos[id] == 0)
		return;
	uint32_t i = g->pos[id] - 1;
	g->pos[id] = 0;
	g->orders[i] = g->orders[--g->n];
	if (i < g->n)
		g->pos[g->orders[i].id] = i + 1;
}

static void gen_emit(void *ctx, const struct sx_out *r)
{
	struct gen *g = ctx;
	if (r->kind == SX_OUT_EV_TRADE)
		g->trades++;
	if (r->kind != SX_OUT_EV_ORDER)
		return;
	const struct sx_order_view *o = &r->u.order;
	if (o->status == SX_ST_OPEN || o->status == SX_ST_PARTIALLY_FILLED) {
		if (o->id >= g->pos_cap) {
			fprintf(stderr, "bench: order id space exhausted\n");
			exit(2);
		}
		if (g->pos[o->id]) {
			g->orders[g->pos[o->id] - 1].price = o->price;
			return;
		}
		if (g->n == g->cap) {
			fprintf(stderr, "bench: too many live orders\n");
			exit(2);
		}
		/* users were created in index order after the system accounts */
		g->orders[g->n] = (struct live){o->id, o->user - SX_ACCT_FIRST_USER, o->side, o->price};
		g->pos[o->id] = ++g->n;
	} else {
		gen_remove(g, o->id);
	}
}

/* ---------------- command generation ---------------- */

enum { T_GTC, T_IOC, T_CANCEL, T_AMEND, T_NTYPES };

/* Crossing rates, tuned so that about 6 % of commands trade and the book
 * holds about --depth resting orders (spec/semantics.md §6). */
#ifndef GTC_CROSS_PCT
#define GTC_CROSS_PCT 10
#endif
#ifndef AMEND_CROSS_PERMILLE
#define AMEND_CROSS_PERMILLE 30
#endif
static const char *const type_name[T_NTYPES] = {"gtc", "ioc", "cancel", "amend"};

/* Commands are applied in batches of this many in the throughput passes, as
 * the sequencer drains its input rings (one output commit per batch). */
#define BATCH 64

static char (*user_names)[16];
static uint8_t *user_len;
static uint64_t *user_hash;

static void set_user(struct sx_cmd *c, uint32_t u)
{
	c->user_len = user_len[u];
	memcpy(c->user, user_names[u], user_len[u]);
	c->user_hash = user_hash[u];
}

/*
 * Generate `count` commands into out[], applying each to the generator
 * engine as it goes so the next command sees the live book.
 */
static void generate(struct sx_engine *ge, struct gen *g, const struct params *p,
		     struct sx_cmd *out, uint8_t *types, uint64_t count, uint64_t nwarm,
		     uint64_t *seq)
{
	const int64_t mid0 = 10000; /* 100.00 in ticks of 0.01 */
	int64_t mid = mid0;
	for (uint64_t i = 0; i < count; i++) {
		struct sx_cmd *c = &out[i];
		memset(c, 0, sizeof(*c));
		c->ts = 1700000000000000000ull + i * 100;
		c->has_ts = 1;
		if ((i & 1023) == 0) /* slow random walk of the mid price */
			mid += (int64_t)rnd_below(5) - 2;
		uint32_t r = rnd_below(1000);
		int t;
		bool warm = i < nwarm;
		if (warm && g->n < p->depth) /* warm-up: build the book */
			t = r < 800 ? T_GTC : r < 900 ? T_IOC : T_AMEND;
		else if (r < 90 || g->n == 0)
			t = T_GTC;
		else if (r < 120)
			t = T_IOC;
		else if (r < 180)
			t = T_CANCEL;
		else
			t = T_AMEND;
		/* the mix stays fixed; the book is held near --depth by crossing
		 * more often when it is deeper than that, less when shallower */
		uint32_t gtc_cross = g->n > p->depth ? 2 * GTC_CROSS_PCT : GTC_CROSS_PCT / 2;
		uint32_t amend_cross = g->n > p->depth ? 2 * AMEND_CROSS_PERMILLE : AMEND_CROSS_PERMILLE / 2;
		types[i] = (uint8_t)t;
		if (t == T_GTC || t == T_IOC) {
			uint32_t u = rnd_below(p->users);
			set_user(c, u);
			c->type = SX_CMD_PLACE_ORDER;
			struct sx_cmd_place *pl = &c->u.place;
			pl->market = 0;
			pl->side = (uint8_t)rnd_below(2);
			pl->otype = SX_LIMIT;
			/* resting orders 1-100 lots, IOCs 1-10: IOCs mostly fill makers partly */
			pl->qty = t == T_IOC ? 1 + rnd_below(10) : 1 + rnd_below(100);
			int64_t opp = sx_engine_best_price(ge, 0, pl->side == SX_BUY ? SX_SELL : SX_BUY);
			int64_t px;
			bool cross = t == T_IOC || rnd_below(100) < gtc_cross;
			pl->tif = t == T_IOC ? SX_IOC : SX_GTC;
			if (cross && opp) /* through the best opposite price by 0-2 ticks */
				px = pl->side == SX_BUY ? opp + (int64_t)rnd_below(3)
							: opp - (int64_t)rnd_below(3);
			else /* rests inside the band on its own side */
				px = pl->side == SX_BUY ? mid - 1 - (int64_t)rnd_below(p->spread)
							: mid + 1 + (int64_t)rnd_below(p->spread);
			pl->price = px < 1 ? 1 : px;
		} else {
			struct live *o = &g->orders[rnd_below(g->n)];
			set_user(c, o->user);
			c->u.order.market = 0;
			c->u.order.ref.order_id = o->id;
			if (t == T_CANCEL) {
				c->type = SX_CMD_CANCEL_ORDER;
			} else {
				c->type = SX_CMD_AMEND_ORDER;
				c->u.order.has_price = 1;
				/* move within the band; a few cross the best opposite price */
				int64_t opp = sx_engine_best_price(ge, 0, o->side == SX_BUY ? SX_SELL : SX_BUY);
				int64_t px;
				if (opp && rnd_below(1000) < amend_cross)
					px = opp;
				else
					px = o->side == SX_BUY ? mid - 1 - (int64_t)rnd_below(p->spread)
							       : mid + 1 + (int64_t)rnd_below(p->spread);
				c->u.order.price = px < 1 ? 1 : px;
			}
		}
		sx_engine_apply(ge, ++*seq, c);
	}
}

/* ---------------- measurement ---------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double tsc_ghz;

static void calibrate_tsc(void)
{
	double t0 = now_s();
	uint64_t c0 = __rdtsc();
	while (now_s() - t0 < 0.2)
		;
	uint64_t c1 = __rdtsc();
	double t1 = now_s();
	tsc_ghz = (double)(c1 - c0) / ((t1 - t0) * 1e9);
}

struct pct {
	double p50, p90, p99, p999, p9999, max;
	uint64_t n;
};

static struct pct percentiles(uint32_t *v, uint64_t n)
{
	struct pct r = {0};
	if (n == 0)
		return r;
	qsort(v, n, sizeof(*v), cmp_u32);
#define AT(q) ((double)v[(uint64_t)((double)(n - 1) * (q))] / tsc_ghz)
	r.p50 = AT(0.50);
	r.p90 = AT(0.90);
	r.p99 = AT(0.99);
	r.p999 = AT(0.999);
	r.p9999 = AT(0.9999);
	r.max = (double)v[n - 1] / tsc_ghz;
	r.n = n;
#undef AT
	return r;
}

/* Fresh engine with funded users and the warm-up prefix applied. */
static struct sx_engine *prepare(const struct sx_config *cfg, struct sx_sink *sink,
				 const struct params *p, const struct sx_cmd *warm, uint64_t nwarm,
				 uint64_t *seq)
{
	struct sx_engine *e;
	int rc = sx_engine_create(cfg, sink, &e);
	if (rc) {
		fprintf(stderr, "bench: engine: %s\n", strerror(-rc));
		exit(2);
	}
	for (uint32_t u = 0; u < p->users; u++) {
		for (int a = 0; a < 2; a++) {
			struct sx_cmd c;
			memset(&c, 0, sizeof(c));
			c.type = SX_CMD_DEPOSIT;
			set_user(&c, u);
			c.u.funds.asset = (uint16_t)a; /* USDC, SOL */
			c.u.funds.amount = 1000000000000000ll; /* 10^9 USDC / 10^6 SOL */
			sx_engine_apply(e, ++*seq, &c);
		}
	}
	for (uint64_t i = 0; i < nwarm; i++)
		sx_engine_apply(e, ++*seq, &warm[i]);
	return e;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_engine [--commands N] [--users N] [--depth N] [--spread TICKS]\n"
		"                    [--seed N] [--json FILE] [--callgrind N]\n"
		"  --commands N   measured commands (default 5,000,000)\n"
		"  --users N      active users (default 2,000)\n"
		"  --depth N      target resting orders (default 1,000)\n"
		"  --spread T     price band per side in ticks (default 750: ~750 levels)\n"
		"  --cpu N        pin the benchmark thread to CPU N (as sequexd pins its sequencer)\n"
		"  --callgrind N  run only N commands with callgrind instrumentation on\n"
		"                 (use under valgrind --tool=callgrind --instr-atstart=no)\n");
}

int main(int argc, char **argv)
{
	struct params p = {.commands = 5000000, .users = 2000, .depth = 1000, .spread = 750, .seed = 1,
			   .cpu = -1};
	static const struct option opts[] = {
		{"commands", required_argument, 0, 'n'}, {"users", required_argument, 0, 'u'},
		{"depth", required_argument, 0, 'd'},    {"spread", required_argument, 0, 's'},
		{"seed", required_argument, 0, 'r'},     {"json", required_argument, 0, 'j'},
		{"callgrind", required_argument, 0, 'c'}, {"cpu", required_argument, 0, 'p'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': p.commands = strtoull(optarg, NULL, 10); break;
		case 'u': p.users = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd': p.depth = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': p.spread = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': p.seed = strtoull(optarg, NULL, 10); break;
		case 'j': p.json = optarg; break;
		case 'c': p.callgrind = 1; p.cg_commands = strtoull(optarg, NULL, 10); break;
		case 'p': p.cpu = atoi(optarg); break;
		default: usage(); return ch == 'h' ? 0 : 1;
		}
	}
	if (p.commands == 0 || p.users == 0 || p.depth == 0 || p.spread == 0) {
		usage();
		return 1;
	}
	if (p.callgrind)
		p.commands = p.cg_commands;
	if (p.cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(p.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "bench: cannot pin to CPU %d: %s\n", p.cpu, strerror(errno));
			return 1;
		}
	}
	rng_state = p.seed;

	static struct sx_config cfg;
	sx_config_defaults(&cfg);
	cfg.max_accounts = p.users + 16;
	cfg.max_orders = p.depth * 4 + 1024;
	cfg.demo_balance = 0;

	user_names = calloc(p.users, sizeof(*user_names));
	user_len = calloc(p.users, 1);
	user_hash = calloc(p.users, sizeof(*user_hash));
	for (uint32_t u = 0; u < p.users; u++) {
		int n = snprintf(user_names[u], sizeof(user_names[u]), "u%07u", u);
		user_len[u] = (uint8_t)n;
		user_hash[u] = sx_user_hash(user_names[u], (size_t)n);
	}

	/* generation: a warm-up prefix that builds the book, then the measured commands */
	uint64_t nwarm = (uint64_t)p.depth * 4;
	uint64_t total = nwarm + p.commands;
	struct sx_cmd *cmds = malloc(total * sizeof(*cmds));
	uint8_t *types = malloc(total);
	struct gen g = {0};
	g.cap = p.depth * 4 + 1024;
	g.orders = malloc(g.cap * sizeof(*g.orders));
	g.pos_cap = total + 16;
	g.pos = calloc(g.pos_cap, sizeof(*g.pos));
	if (!cmds || !types || !g.orders || !g.pos || !user_names || !user_len || !user_hash) {
		fprintf(stderr, "bench: out of memory\n");
		return 2;
	}
	uint64_t gseq = 0;
	static struct sx_record_sink gsink;
	sx_record_sink_init(&gsink, gen_emit, &g);
	struct sx_engine *ge = prepare(&cfg, &gsink.sink, &p, NULL, 0, &gseq);
	double tg = now_s();
	generate(ge, &g, &p, cmds, types, total, nwarm, &gseq);
	tg = now_s() - tg;
	uint32_t levels = sx_engine_level_count(ge, 0, SX_BUY) + sx_engine_level_count(ge, 0, SX_SELL);
	uint32_t resting = sx_engine_order_count(ge);
	sx_engine_destroy(ge);

	uint64_t mix[T_NTYPES] = {0};
	for (uint64_t i = nwarm; i < total; i++)
		mix[types[i]]++;

	static struct ring_sink sink;
	const struct sx_cmd *run = cmds + nwarm;
	const uint8_t *run_type = types + nwarm;

	if (p.callgrind) {
		uint64_t seq = 0;
		struct sx_engine *e = prepare(&cfg, ring_sink_init(&sink, 0), &p, cmds, nwarm, &seq);
		CALLGRIND_ZERO_STATS;
		CALLGRIND_START_INSTRUMENTATION;
		for (uint64_t i = 0; i < p.commands; i += BATCH) {
			size_t n = p.commands - i < BATCH ? (size_t)(p.commands - i) : BATCH;
			sx_engine_apply_batch(e, seq + 1, &run[i], n);
			seq += n;
		}
		CALLGRIND_STOP_INSTRUMENTATION;
		CALLGRIND_DUMP_STATS_AT("measured");
		sx_engine_destroy(e);
		printf("callgrind window: %" PRIu64 " commands\n", p.commands);
		return 0;
	}

	/* verification pass (untimed): counts, and the invariants at the end */
	uint64_t trades, rejects, trading = 0;
	{
		uint64_t seq = 0;
		struct sx_engine *e = prepare(&cfg, ring_sink_init(&sink, 1), &p, cmds, nwarm, &seq);
		sink.trades = sink.rejects = 0;
		for (uint64_t i = 0; i < p.commands; i++) {
			uint64_t before = sink.trades;
			sx_engine_apply(e, ++seq, &run[i]);
			trading += sink.trades != before;
		}
		trades = sink.trades;
		rejects = sink.rejects;
		char why[256];
		if (sx_engine_validate(e, why, sizeof(why)) != 0) {
			fprintf(stderr, "bench: invariant broken: %s\n", why);
			return 2;
		}
		sx_engine_destroy(e);
	}

	/* throughput: three passes on fresh engines, median reported */
	double rates[3];
	for (int pass = 0; pass < 3; pass++) {
		uint64_t seq = 0;
		struct sx_engine *e = prepare(&cfg, ring_sink_init(&sink, 0), &p, cmds, nwarm, &seq);
		double t0 = now_s();
		for (uint64_t i = 0; i < p.commands; i += BATCH) {
			size_t n = p.commands - i < BATCH ? (size_t)(p.commands - i) : BATCH;
			sx_engine_apply_batch(e, seq + 1, &run[i], n);
			seq += n;
		}
		double dt = now_s() - t0;
		rates[pass] = (double)p.commands / dt;
		sx_engine_destroy(e);
	}
	double sorted[3] = {rates[0], rates[1], rates[2]};
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (sorted[j] < sorted[i]) {
				double t = sorted[i];
				sorted[i] = sorted[j];
				sorted[j] = t;
			}

	/* latency: TSC around every command */
	calibrate_tsc();
	uint32_t *lat[T_NTYPES], *all = malloc(p.commands * sizeof(uint32_t));
	uint64_t nlat[T_NTYPES] = {0};
	for (int t = 0; t < T_NTYPES; t++)
		lat[t] = malloc((mix[t] + 1) * sizeof(uint32_t));
	{
		uint64_t seq = 0;
		struct sx_engine *e = prepare(&cfg, ring_sink_init(&sink, 0), &p, cmds, nwarm, &seq);
		for (uint64_t i = 0; i < p.commands; i++) {
			unsigned aux;
			uint64_t c0 = __rdtscp(&aux);
			sx_engine_apply(e, ++seq, &run[i]);
			uint64_t c1 = __rdtscp(&aux);
			uint64_t d = c1 - c0;
			uint32_t v = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
			all[i] = v;
			lat[run_type[i]][nlat[run_type[i]]++] = v;
		}
		sx_engine_destroy(e);
	}
	unsigned aux;
	uint64_t o0 = __rdtscp(&aux), o1 = __rdtscp(&aux);
	double overhead_ns = (double)(o1 - o0) / tsc_ghz;
	struct pct pa = percentiles(all, p.commands), pt[T_NTYPES];
	for (int t = 0; t < T_NTYPES; t++)
		pt[t] = percentiles(lat[t], nlat[t]);

	printf("sequex engine benchmark (exchange-core-style mix, in-process, one thread)\n");
	printf("  commands %" PRIu64 " (gtc %.1f%%, ioc %.1f%%, cancel %.1f%%, amend %.1f%%), users %u,\n",
	       p.commands, 100.0 * (double)mix[T_GTC] / (double)p.commands,
	       100.0 * (double)mix[T_IOC] / (double)p.commands,
	       100.0 * (double)mix[T_CANCEL] / (double)p.commands,
	       100.0 * (double)mix[T_AMEND] / (double)p.commands, p.users);
	printf("  book at end: %u resting orders on %u levels; %" PRIu64 " trades, %.1f%% of commands "
	       "trade; rejects %" PRIu64 "\n",
	       resting, levels, trades, 100.0 * (double)trading / (double)p.commands, rejects);
	printf("  generation %.2f s\n", tg);
	printf("  throughput  %.2f M commands/s (median of 3: %.2f %.2f %.2f)\n", sorted[1] / 1e6,
	       rates[0] / 1e6, rates[1] / 1e6, rates[2] / 1e6);
	printf("  latency ns (TSC %.2f GHz, read overhead ~%.0f ns included)\n", tsc_ghz, overhead_ns);
	printf("    %-7s %9s %8s %8s %8s %8s %8s %10s\n", "type", "n", "p50", "p90", "p99", "p99.9",
	       "p99.99", "max");
	for (int t = -1; t < T_NTYPES; t++) {
		const struct pct *q = t < 0 ? &pa : &pt[t];
		printf("    %-7s %9" PRIu64 " %8.0f %8.0f %8.0f %8.0f %8.0f %10.0f\n",
		       t < 0 ? "all" : type_name[t], q->n, q->p50, q->p90, q->p99, q->p999, q->p9999,
		       q->max);
	}
	if (p.json) {
		FILE *f = fopen(p.json, "w");
		if (!f) {
			fprintf(stderr, "bench: %s: %s\n", p.json, strerror(errno));
			return 2;
		}
		fprintf(f,
			"{\"benchmark\":\"engine\",\"commands\":%" PRIu64 ",\"users\":%u,\"depth\":%u,"
			"\"spread\":%u,\"seed\":%" PRIu64 ",\"resting_orders\":%u,\"levels\":%u,"
			"\"trades\":%" PRIu64 ",\"trading_commands\":%" PRIu64 ",\"rejects\":%" PRIu64 ",\"throughput\":{\"median\":%.0f,"
			"\"runs\":[%.0f,%.0f,%.0f]},\"tsc_ghz\":%.3f,\"latency_ns\":{",
			p.commands, p.users, p.depth, p.spread, p.seed, resting, levels, trades, trading, rejects,
			sorted[1], rates[0], rates[1], rates[2], tsc_ghz);
		for (int t = -1; t < T_NTYPES; t++) {
			const struct pct *q = t < 0 ? &pa : &pt[t];
			fprintf(f,
				"%s\"%s\":{\"n\":%" PRIu64 ",\"p50\":%.0f,\"p90\":%.0f,\"p99\":%.0f,"
				"\"p99.9\":%.0f,\"p99.99\":%.0f,\"max\":%.0f}",
				t < 0 ? "" : ",", t < 0 ? "all" : type_name[t], q->n, q->p50, q->p90,
				q->p99, q->p999, q->p9999, q->max);
		}
		fprintf(f, "}}\n");
		fclose(f);
	}
	free(cmds);
	free(types);
	return 0;
}
