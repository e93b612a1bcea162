/*
 * sequex/config.h - the engine's configuration (spec/config.md): the
 * embedded demo defaults and a strict INI parser that refuses every
 * invalid file with "FILE:LINE: reason".
 *
 * A struct sx_config is filled once at start-up and is read-only
 * afterwards, so every thread may read it without synchronisation.
 * The parser is a pure function over (name, buf, len).
 */
#ifndef SEQUEX_CONFIG_H
#define SEQUEX_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "sequex/decimal.h"
#include "sequex/types.h"

struct sx_asset_cfg {
	char name[SX_NAME_MAX + 1];
	uint8_t decimals; /* 0..18 */
};

struct sx_market_cfg {
	char name[SX_NAME_MAX + 1];
	uint16_t base, quote;      /* asset indexes */
	struct sx_step tick;       /* price step, in quote */
	struct sx_step lot;        /* quantity step, in base */
	int64_t unit;              /* quote minor units per (1 tick x 1 lot), >= 1 */
	int64_t lot_units;         /* base minor units per lot, >= 1 */
	uint32_t maker_fee_bps;    /* 0..SX_BPS_MAX */
	uint32_t taker_fee_bps;    /* 0..SX_BPS_MAX */
	uint32_t market_slippage_bps; /* 0..SX_BPS_MAX, default 500 */
};

struct sx_config {
	char data_dir[256];        /* default "./var" */
	int64_t demo_balance;      /* minor units of demo_asset credited to each new user */
	uint16_t demo_asset;       /* asset index */
	uint32_t max_orders;       /* resting-order pool size, default 1,000,000 */
	uint32_t max_positions;    /* default 1,000,000 */
	uint32_t max_accounts;     /* user accounts, default 1,000,000 */
	uint16_t nassets, nmarkets;
	struct sx_asset_cfg assets[SX_MAX_ASSETS];
	struct sx_market_cfg markets[SX_MAX_MARKETS];
};

/*
 * Fill c with the embedded demo set-up (spec/config.md "Demo defaults"):
 * assets USDC(6) SOL(9) ETH(9) BTC(8), markets SOL_USDC ETH_USDC BTC_USDC,
 * demo_balance 5000 USDC.
 */
void sx_config_defaults(struct sx_config *c);

/*
 * Parse an INI document. name is used in messages only. On success returns
 * 0 and c holds the defaults overlaid with the file (a file that defines any
 * [asset]/[market] section replaces the default lists; a file that does not
 * set demo_balance gets 0). On failure returns -EINVAL, leaves a message
 * "NAME:LINE: reason" in err (always NUL-terminated, truncated to errcap),
 * and c is unspecified. Pure: no I/O, no allocation.
 */
int sx_config_parse(const char *name, const char *buf, size_t len,
		    struct sx_config *c, char *err, size_t errcap);

/*
 * Read the file at path and parse it. Returns 0, -EINVAL (invalid, message
 * as above) or -errno when the file cannot be read ("PATH: strerror").
 */
int sx_config_load(const char *path, struct sx_config *c, char *err,
		   size_t errcap);

/* Index of the asset / market named s[0..n), or -1. */
int sx_config_find_asset(const struct sx_config *c, const char *s, size_t n);
int sx_config_find_market(const struct sx_config *c, const char *s, size_t n);

#endif
