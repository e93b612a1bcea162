/*
 * replay.c - `sequex replay [--config FILE] [--summary] FILE.jsonl|-`
 * (spec/commands.md "Replay files and the replay tool"): applies commands
 * one per line to a fresh engine and writes, for each, its reply line and
 * then its event lines. Blank lines and lines whose first non-blank
 * character is '#' are skipped; a missing ts takes the previous command's.
 * Output is byte-for-byte deterministic. Single-threaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sequex/codec.h"
#include "sequex/engine.h"
#include "tool.h"

/* ---- collected output of one command and the account-name table ---- */

struct collector {
	struct sx_out *recs;
	size_t n, cap;
	char (*names)[SX_USERID_MAX];
	uint8_t *name_len;
	size_t nnames, names_cap;
	int oom;
};

static void collect(void *ctx, const struct sx_out *rec)
{
	struct collector *c = ctx;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct sx_out *p = realloc(c->recs, cap * sizeof(*p));
		if (!p) {
			c->oom = 1;
			return;
		}
		c->recs = p;
		c->cap = cap;
	}
	c->recs[c->n++] = *rec;
	if (rec->kind == SX_OUT_ACCOUNT) {
		uint32_t a = rec->u.account.account;
		if (a >= c->names_cap) {
			size_t cap = c->names_cap ? c->names_cap : 1024;
			while (cap <= a)
				cap *= 2;
			char(*nn)[SX_USERID_MAX] = realloc(c->names, cap * sizeof(*nn));
			uint8_t *nl = realloc(c->name_len, cap);
			if (nn)
				c->names = nn;
			if (nl)
				c->name_len = nl;
			if (!nn || !nl) {
				c->oom = 1;
				return;
			}
			memset(c->name_len + c->names_cap, 0, cap - c->names_cap);
			c->names_cap = cap;
		}
		memcpy(c->names[a], rec->u.account.name, rec->u.account.len);
		c->name_len[a] = rec->u.account.len;
		if (a >= c->nnames)
			c->nnames = a + 1;
	}
}

static const char *name_of(void *ctx, uint32_t acct, size_t *len)
{
	struct collector *c = ctx;
	if (acct >= c->nnames || c->name_len[acct] == 0)
		return NULL;
	*len = c->name_len[acct];
	return c->names[acct];
}

/* ---- line reader: lines of any length, kept up to a cap ---- */

struct reader {
	FILE *f;
	char *chunk;
	size_t pos, end;
	int eof, err;
};

/*
 * Next line into line[0..cap) without its '\n'. A longer line is consumed
 * whole, *len = its first cap bytes' length and *oversize = 1. Returns 1,
 * or 0 at end of input.
 */
static int read_line(struct reader *r, char *line, size_t cap, size_t *len, int *oversize)
{
	size_t n = 0;
	int any = 0;
	*oversize = 0;
	for (;;) {
		if (r->pos == r->end) {
			if (r->eof)
				break;
			r->pos = 0;
			r->end = fread(r->chunk, 1, 1 << 20, r->f);
			if (r->end == 0) {
				r->eof = 1;
				if (ferror(r->f))
					r->err = errno ? errno : EIO;
				break;
			}
		}
		any = 1;
		char *start = r->chunk + r->pos;
		size_t avail = r->end - r->pos;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) : avail;
		size_t room = cap - n;
		if (take > room) {
			*oversize = 1;
			memcpy(line + n, start, room);
			n += room;
		} else {
			memcpy(line + n, start, take);
			n += take;
		}
		r->pos += take + (nl ? 1 : 0);
		if (nl)
			break;
	}
	*len = n;
	return any;
}

static int skip_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')
			continue;
		return s[i] == '#';
	}
	return 1;
}

/* ---- summary ---- */

struct stats {
	uint64_t commands, accepted;
	uint64_t by_type[SX_CMD_TYPE_COUNT];
	uint64_t rejected_by_code[SX_CODE_COUNT];
	uint64_t trades, events;
};

static void print_summary(FILE *f, const struct stats *s, const struct sx_config *cfg,
			  const struct sx_engine *e, double secs)
{
	fprintf(f, "\nsequex replay summary\n");
	fprintf(f, "  commands   %llu (%llu accepted, %llu rejected) in %.3f s",
		(unsigned long long)s->commands, (unsigned long long)s->accepted,
		(unsigned long long)(s->commands - s->accepted), secs);
	if (secs > 0)
		fprintf(f, ", %.0f commands/s including JSON", (double)s->commands / secs);
	fprintf(f, "\n  by type   ");
	for (int t = 0; t < SX_CMD_TYPE_COUNT; t++)
		if (s->by_type[t])
			fprintf(f, " %s=%llu", t == SX_CMD_REJECTED ? "undecodable" : sx_cmd_type_name((enum sx_cmd_type)t),
				(unsigned long long)s->by_type[t]);
	fprintf(f, "\n  rejected  ");
	int any = 0;
	for (int c = 1; c < SX_CODE_COUNT; c++)
		if (s->rejected_by_code[c]) {
			fprintf(f, " %s=%llu", sx_code_name((enum sx_code)c),
				(unsigned long long)s->rejected_by_code[c]);
			any = 1;
		}
	fprintf(f, "%s\n", any ? "" : " none");
	fprintf(f, "  trades     %llu; events %llu; users %u; resting orders %u\n",
		(unsigned long long)s->trades, (unsigned long long)s->events,
		sx_engine_user_count(e), sx_engine_order_count(e));
	for (uint16_t m = 0; m < cfg->nmarkets; m++) {
		const struct sx_market_cfg *mk = &cfg->markets[m];
		int64_t bid = sx_engine_best_price(e, m, SX_BUY);
		int64_t ask = sx_engine_best_price(e, m, SX_SELL);
		char b[SX_DEC_FMT_MAX + 1] = "-", a[SX_DEC_FMT_MAX + 1] = "-";
		if (bid)
			sx_dec_format(bid * mk->tick.mant, mk->tick.dec, b);
		if (ask)
			sx_dec_format(ask * mk->tick.mant, mk->tick.dec, a);
		fprintf(f, "  %-10s best bid %s (%u levels), best ask %s (%u levels)\n", mk->name, b,
			sx_engine_level_count(e, m, SX_BUY), a, sx_engine_level_count(e, m, SX_SELL));
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sequex replay [--config FILE] [--summary] [--validate] FILE.jsonl|-\n"
		"  Applies one JSON command per line to a fresh engine and prints, for each,\n"
		"  its reply line followed by its event lines (spec/commands.md).\n"
		"  --config FILE  engine configuration (default: the embedded demo set-up)\n"
		"  --summary      print a human-readable summary to standard error at the end\n"
		"  --validate     check every invariant of the state after every command and\n"
		"                 stop with status 3 at the first broken one (slow: for tests)\n"
		"Exit status: 0 (also when commands are rejected), 1 usage or invalid config,\n"
		"2 unreadable input or output failure, 3 broken invariant (--validate).\n");
}

int sx_tool_replay(int argc, char **argv)
{
	const char *config_path = NULL, *input = NULL;
	int summary = 0, validate = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_path = argv[++i];
		} else if (!strcmp(argv[i], "--summary")) {
			summary = 1;
		} else if (!strcmp(argv[i], "--validate")) {
			validate = 1;
		} else if (argv[i][0] == '-' && argv[i][1] != 0) {
			fprintf(stderr, "sequex replay: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 1;
		} else if (!input) {
			input = argv[i];
		} else {
			fprintf(stderr, "sequex replay: more than one input file\n");
			return 1;
		}
	}
	if (!input) {
		usage(stderr);
		return 1;
	}
	static struct sx_config cfg;
	char err[512];
	if (config_path) {
		int rc = sx_config_load(config_path, &cfg, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "sequex replay: %s\n", err);
			return 1;
		}
	} else {
		sx_config_defaults(&cfg);
	}
	FILE *in = strcmp(input, "-") ? fopen(input, "rb") : stdin;
	if (!in) {
		fprintf(stderr, "sequex replay: %s: %s\n", input, strerror(errno));
		return 2;
	}
	struct collector col = {0};
	struct sx_engine *e = NULL;
	static struct sx_record_sink rsink;
	sx_record_sink_init(&rsink, collect, &col);
	int rc = sx_engine_create(&cfg, &rsink.sink, &e);
	if (rc != 0) {
		fprintf(stderr, "sequex replay: cannot create the engine: %s\n", strerror(-rc));
		if (in != stdin)
			fclose(in);
		return 2;
	}
	struct reader rd = {.f = in, .chunk = malloc(1 << 20)};
	char *line = malloc(SX_LINE_MAX + 1);
	size_t out_cap = 1 << 16;
	char *out = malloc(out_cap);
	static char obuf[1 << 20];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	struct sx_names names = {name_of, &col};
	struct stats st = {0};
	uint64_t seq = 0, ts = 0;
	int status = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!rd.chunk || !line || !out) {
		fprintf(stderr, "sequex replay: out of memory\n");
		status = 2;
		goto done;
	}
	size_t len;
	int oversize;
	while (read_line(&rd, line, SX_LINE_MAX + 1, &len, &oversize)) {
		if (skip_line(line, len))
			continue;
		struct sx_cmd cmd;
		/* an over-long line is passed truncated to one byte past the limit:
		 * the decoder refuses it as too large without reading it */
		sx_codec_decode(&cfg, line, len, &cmd);
		if (cmd.has_ts)
			ts = cmd.ts;
		else
			cmd.ts = ts;
		col.n = 0;
		sx_engine_apply(e, ++seq, &cmd);
		if (col.oom) {
			fprintf(stderr, "sequex replay: out of memory\n");
			status = 2;
			goto done;
		}
		size_t need = sx_codec_encode_command(&cfg, col.recs, col.n, names, out, out_cap);
		if (need > out_cap) {
			while (out_cap < need)
				out_cap *= 2;
			char *p = realloc(out, out_cap);
			if (!p) {
				fprintf(stderr, "sequex replay: out of memory\n");
				status = 2;
				goto done;
			}
			out = p;
			sx_codec_encode_command(&cfg, col.recs, col.n, names, out, out_cap);
		}
		if (fwrite(out, 1, need, stdout) != need) {
			fprintf(stderr, "sequex replay: writing output: %s\n", strerror(errno));
			status = 2;
			goto done;
		}
		if (validate) {
			char why[512];
			if (sx_engine_validate(e, why, sizeof(why)) != 0) {
				fflush(stdout);
				fprintf(stderr, "sequex replay: invariant broken after seq %llu: %s\n",
					(unsigned long long)seq, why);
				status = 3;
				goto done;
			}
		}
		const struct sx_reply_view *rp = &col.recs[col.n - 1].u.reply;
		st.commands++;
		st.by_type[cmd.type]++;
		if (rp->code == SX_OK)
			st.accepted++;
		else if (rp->code < SX_CODE_COUNT)
			st.rejected_by_code[rp->code]++;
		for (size_t i = 0; i < col.n; i++) {
			uint8_t k = col.recs[i].kind;
			st.trades += k == SX_OUT_EV_TRADE;
			st.events += k == SX_OUT_EV_ORDER || k == SX_OUT_EV_TRADE || k == SX_OUT_EV_BALANCE;
		}
	}
	if (rd.err) {
		fprintf(stderr, "sequex replay: reading %s: %s\n", input, strerror(rd.err));
		status = 2;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sequex replay: writing output: %s\n", strerror(errno));
		status = 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (summary && status == 0)
		print_summary(stderr, &st, &cfg, e,
			      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
done:
	if (in != stdin)
		fclose(in);
	sx_engine_destroy(e);
	free(rd.chunk);
	free(line);
	free(out);
	free(col.recs);
	free(col.names);
	free(col.name_len);
	return status;
}
