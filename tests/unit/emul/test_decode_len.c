/*
 * test_decode_len.c - decoder lengths against binutils (objdump) on
 * generated encodings in 16-, 32- and 64-bit mode. 64-bit mode runs twice:
 * for Intel against `objdump -M intel64` and for AMD against `-M amd64`,
 * which differ where the CPUs do (66h on near branches).
 *
 * Each case is random prefixes + an opcode from one of the maps + random
 * ModRM/SIB/displacement/immediate bytes. All cases of a mode go into one
 * binary file, each followed by 15 NOPs so that objdump resynchronises
 * whatever it makes of the case, and one objdump run disassembles them.
 * What is compared (docs/emulator.md, "Decoder length tests"):
 *  - emulator length L: objdump must decode the same L bytes, where
 *    objdump's prefix-only lines ("rex.W", "data16", ...; it prints ignored
 *    prefixes on their own line) are merged with the instruction after them;
 *  - emulator #UD: objdump says "(bad)", or it is a known case where
 *    objdump decodes what the CPU rejects (LOCK on a non-lockable
 *    instruction, UD0/UD1/UD2, MOV to/from TR);
 *  - emulator "too long": objdump's merged length exceeds 15 or is bad;
 *  - emulator length L but objdump "(bad)": allowed only where objdump is
 *    stricter than our decoder on purpose (0F38/0F3A/VEX/EVEX/XOP opcodes
 *    we decode by map-wide rules, SALC); counted and printed.
 * Anything else is a mismatch and fails the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emul_private.h"
#include "test_util.h"

#define DEFAULT_CASES 20000
#define SLOT 31
#define NOPS 15

struct lcase {
	uint8_t b[EMUL_MAX_INSN_LEN];
	int mine;
	struct emul_insn insn;
	size_t off;
};

struct objline {
	int len;
	char text[96];
};

static const char *out_dir(void)
{
	const char *d = getenv("EMUL_TEST_TMP");

	return d ? d : "/tmp";
}

static void gen_case(struct rng *r, struct lcase *c, enum emul_mode mode)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x2E,
				       0x3E, 0x26, 0x36, 0x64, 0x65 };
	unsigned n = 0, i, np;

	for (i = 0; i < sizeof(c->b); i++)
		c->b[i] = (uint8_t)rng_next(r);
	np = rng_chance(r, 40) ? 0 : rng_below(r, 4);
	if (rng_chance(r, 2))
		np = 10 + rng_below(r, 5); /* towards "too long" */
	for (i = 0; i < np; i++)
		c->b[n++] = pfx[rng_below(r, sizeof(pfx))];
	if (mode == EMUL_MODE_LONG64 && rng_chance(r, 40))
		c->b[n++] = 0x40 | rng_below(r, 16);
	switch (rng_below(r, 20)) {
	case 0 ... 10: /* one-byte map: keep the random byte */
		break;
	case 11 ... 15:
		c->b[n++] = 0x0F;
		break;
	case 16:
		c->b[n++] = 0x0F;
		c->b[n++] = 0x38;
		break;
	case 17:
		c->b[n++] = 0x0F;
		c->b[n++] = 0x3A;
		break;
	default: { /* VEX/EVEX with a plausible payload byte */
		static const uint8_t esc[] = { 0xC4, 0xC5, 0x62, 0x8F };

		if (n < sizeof(c->b) - 1) {
			c->b[n++] = esc[rng_below(r, 4)];
			c->b[n] |= 0xC0;
		}
		break;
	}
	}
	(void)n;
}

/* Words objdump prints for prefixes it shows on a line of their own. */
static bool prefix_only(const char *t)
{
	static const char *words[] = {
		"rex", "data16", "data32", "addr16", "addr32", "lock", "rep",
		"repz", "repnz", "repe", "repne", "cs", "ds", "es", "ss", "fs",
		"gs", "bnd", "notrack", "xacquire", "xrelease",
	};
	char buf[96], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", t);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		size_t i;
		bool ok = false;

		if (!strncmp(tok, "rex.", 4) || !strcmp(tok, "rex"))
			continue;
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (!strcmp(tok, words[i]))
				ok = true;
		if (!ok)
			return false;
	}
	return true;
}

static bool is_bad(const char *t)
{
	return strstr(t, "(bad)") || strstr(t, ".byte") || strstr(t, "%?");
}

/* Run objdump over the file; fill lines[] indexed by offset. */
static void run_objdump(const char *file, const char *arch,
			const char *options, struct objline *lines,
			size_t size)
{
	char cmd[512], buf[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "objdump -D -z -b binary -m %s %s --insn-width=16 %s", arch,
		 options, file);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(buf, sizeof(buf), p)) {
		unsigned long off;
		char *tab1, *tab2;
		int n = 0;
		char *s;

		if (sscanf(buf, " %lx:", &off) != 1 || !strchr(buf, '\t'))
			continue;
		tab1 = strchr(buf, '\t');
		tab2 = strchr(tab1 + 1, '\t');
		if (off >= size)
			continue;
		/* The bytes column: count the two-digit hex tokens. */
		for (s = tab1 + 1; *s && *s != '\t' && *s != '\n'; s++)
			if (s[0] != ' ' && (s == tab1 + 1 || s[-1] == ' '))
				n++;
		lines[off].len = n;
		if (tab2) {
			snprintf(lines[off].text, sizeof(lines[off].text), "%s",
				 tab2 + 1);
			lines[off].text[strcspn(lines[off].text, "\n")] = 0;
		} else {
			strcpy(lines[off].text, "(bad)");
		}
	}
	assert_int_equal(pclose(p), 0);
}

/* Opcodes the emulator never executes (x87, SIMD, system, VEX...): the
 * decoder gives their length by the map's ModRM/immediate rule without
 * validating mandatory prefixes or ModRM.mod, so objdump may call an
 * encoding "(bad)" that the CPU would reject with #UD. 0F 18-1F are hint
 * NOPs that MPX/CET reuse with stricter forms. The XOP escape has a
 * handler that only raises #UD (no XOP) or refuses: it executes nothing. */
static bool lenient_map(const struct lcase *c)
{
	const struct emul_insn *in = &c->insn;
	struct emul_simd_form tmp;

	return emul_handler_of(in) == NULL || in->vex != EMUL_VEX_NONE ||
	       (in->map == EMUL_MAP_0F && in->opcode >= 0x18 &&
		in->opcode <= 0x1F) ||
	       /* x87: objdump's (bad) are reserved encodings, whose length
		* the decoder gives; exec_x87.c raises #UD for the memory
		* forms among them and refuses the register forms */
	       (in->map == EMUL_MAP_1B && in->opcode >= 0xD8 &&
		in->opcode <= 0xDF) ||
	       /* group 15's register forms and its F2/F3 memory forms:
		* exec_grp15_ext.c raises #UD or refuses them */
	       (in->map == EMUL_MAP_0F && in->opcode == 0xAE &&
		(!in->mem || (in->pfx & (EMUL_PFX_REP | EMUL_PFX_REPNE)))) ||
	       /* SALC: binutils has no mnemonic for D6 (undocumented by
		* Intel); CPUs of both vendors run it (exec_bcd.c) */
	       (in->map == EMUL_MAP_1B && in->opcode == 0xD6) ||
	       /* MMX/SSE/3DNow!: exec_simd.c raises #UD for the register
		* forms of memory-only instructions, the memory forms of
		* register-only ones (MOVMSKPS, PMOVMSKB, PEXTRW r32) and the
		* undefined 3DNow! suffixes */
	       (emul_handler_of(in) == emul_exec_simd &&
		(!in->mem || emul_simd_form(in, &tmp)->feat == FT_NONE ||
		 (emul_simd_form(in, &tmp)->flags & SF_REGONLY))) ||
	       /* 0F 38 82 other than 66 with a memory operand: not INVPCID,
		* exec_invpcid.c raises #UD for them */
	       (in->map == EMUL_MAP_0F38 && in->opcode == 0x82) ||
	       /* 0F 0D with a register: #UD on AMD (exec_prefetchw.c), a
		* NOP of this length on Intel (XED's wide NOP 0F 0D /r) */
	       (in->map == EMUL_MAP_0F && in->opcode == 0x0D && !in->mem) ||
	       /* group 9's register forms /3-/5 and the F2 ones:
		* exec_grp9.c raises #UD */
	       (emul_handler_of(in) == emul_exec_grp9 && !in->mem);
}

/* Bytes objdump decodes although the CPU raises #UD: UD0/UD1/UD2, MOV TR,
 * MOV to CS. */
static bool known_ud_decoded(const char *t)
{
	return strstr(t, "ud0") || strstr(t, "ud1") || strstr(t, "ud2") ||
	       strstr(t, "%tr") || strstr(t, ",%cs");
}

/* EXTRQ xmm, imm8, imm8 is 66 0F 78 /0 (APM Vol. 4): with another
 * ModRM.reg an AMD CPU (an EPYC) raises #UD; objdump decodes it. */
static bool extrq_not_slash0(const struct lcase *c, const char *t)
{
	const struct emul_insn *in = &c->insn;

	return strstr(t, "extrq") && in->map == EMUL_MAP_0F && in->opcode == 0x78 &&
	       ((in->modrm >> 3) & 7) != 0;
}

/* VEX/EVEX/XOP after 66/F2/F3/LOCK or REX is #UD (SDM 2.3.2); objdump
 * decodes it anyway. */
static bool vex_after_prefix(const struct lcase *c, enum emul_mode mode)
{
	bool legacy = false;
	unsigned i;

	for (i = 0; i < sizeof(c->b); i++) {
		uint8_t b = c->b[i];

		if (b == 0x66 || b == 0xF2 || b == 0xF3 || b == 0xF0 ||
		    (mode == EMUL_MODE_LONG64 && (b & 0xF0) == 0x40)) {
			legacy = true;
			continue;
		}
		if (b == 0x67 || b == 0x2E || b == 0x3E || b == 0x26 ||
		    b == 0x36 || b == 0x64 || b == 0x65)
			continue;
		return legacy && (b == 0xC4 || b == 0xC5 || b == 0x62 ||
				  b == 0x8F);
	}
	return false;
}

static unsigned ncases(void)
{
	const char *s = getenv("EMUL_LEN_CASES");

	return s ? (unsigned)atoi(s) : DEFAULT_CASES;
}

/* A REX that is not the last prefix (followed by another REX or a legacy
 * prefix) is ignored by the CPU (SDM 2.2.1; checked on the host by the
 * stack family of test_diff), while objdump still applies its W bit. */
static bool stray_rex(const struct lcase *c, enum emul_mode mode)
{
	bool rex = false;
	unsigned i;

	if (mode != EMUL_MODE_LONG64)
		return false;
	for (i = 0; i < sizeof(c->b); i++) {
		uint8_t b = c->b[i];
		bool legacy = b == 0x66 || b == 0x67 || b == 0xF2 ||
			      b == 0xF3 || b == 0xF0 || b == 0x2E || b == 0x3E ||
			      b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65;

		if ((b & 0xF0) == 0x40) {
			if (rex)
				return true;
			rex = true;
			continue;
		}
		if (!legacy)
			return false;
		if (rex)
			return true;
	}
	return false;
}

static void check_mode(enum emul_mode mode, enum emul_vendor vendor,
		       const char *arch, const char *options, uint64_t seed)
{
	const unsigned NCASES = ncases();
	struct lcase *cases = calloc(NCASES, sizeof(*cases));
	size_t size = (size_t)NCASES * SLOT, off = 0, i;
	struct objline *lines = calloc(size + 64, sizeof(*lines));
	uint8_t *img = calloc(size, 1);
	struct rng r = { seed };
	unsigned eq = 0, ud = 0, toolong = 0, lenient = 0, bad = 0;
	unsigned stray = 0;
	char file[256];
	FILE *f;

	assert_non_null(lines);
	assert_non_null(img);
	assert_non_null(cases);
	for (i = 0; i < NCASES; i++) {
		struct lcase *c = &cases[i];
		size_t n;

		gen_case(&r, c, mode);
		c->mine = emul_decode(&c->insn, c->b, sizeof(c->b), mode,
				      vendor);
		n = c->mine > 0 ? (size_t)c->mine : sizeof(c->b);
		c->off = off;
		memcpy(img + off, c->b, n);
		off += n;
		memset(img + off, 0x90, NOPS);
		off += NOPS;
	}
	snprintf(file, sizeof(file), "%s/emul-len-%d-%d.bin", out_dir(), mode,
		 vendor);
	f = fopen(file, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(img, 1, off, f), off);
	fclose(f);
	run_objdump(file, arch, options, lines, size);

	for (i = 0; i < NCASES; i++) {
		const struct lcase *c = &cases[i];
		size_t o = c->off;
		int total = lines[o].len;
		const char *t = lines[o].text;
		bool ok, lock = strstr(t, "lock") != NULL;

		if (total == 0) {
			bad++;
			print_message("no objdump line at case %zu\n", i);
			continue;
		}
		while (prefix_only(t) && total < 16 && lines[o + total].len) {
			size_t next = o + total;

			total += lines[next].len;
			t = lines[next].text;
			lock |= strstr(t, "lock") != NULL;
		}
		if (c->mine == EMUL_E_TOO_LONG) {
			ok = total > 15 || is_bad(t);
			toolong += ok;
		} else if (c->mine == EMUL_E_UD) {
			ok = is_bad(t) || known_ud_decoded(t) || lock ||
			     vex_after_prefix(c, mode) || extrq_not_slash0(c, t);
			ud += ok;
		} else if (is_bad(t)) {
			ok = lenient_map(c);
			lenient += ok;
		} else if (total != c->mine && stray_rex(c, mode)) {
			ok = true;
			stray++;
		} else {
			ok = total == c->mine;
			eq += ok;
		}
		if (!ok) {
			unsigned k;

			if (++bad <= 15) {
				print_message("mode %d vendor %d: emul %d "
					      "objdump %d '%s':", mode, vendor,
					      c->mine, total, t);
				for (k = 0; k < sizeof(c->b); k++)
					print_message(" %02x", c->b[k]);
				print_message("\n");
			}
		}
	}
	printf("emul-len: %s %s %u cases: %u lengths equal, %u #UD agreed, "
	       "%u too-long agreed, %u objdump-bad in lenient maps, "
	       "%u stray-REX (objdump keeps W), %u mismatches\n",
	       arch, options, NCASES, eq, ud, toolong, lenient, stray, bad);
	free(lines);
	free(img);
	free(cases);
	remove(file);
	assert_int_equal(bad, 0);
	/* The generator must really exercise the decoder. */
	assert_true(eq > NCASES / 3);
}

/* Outside 64-bit mode no length depends on the vendor. */
static void test_len_16(void **state)
{
	(void)state;
	check_mode(EMUL_MODE_PROT16, EMUL_VENDOR_INTEL, "i8086", "", 0x1616);
}

static void test_len_32(void **state)
{
	(void)state;
	check_mode(EMUL_MODE_PROT32, EMUL_VENDOR_INTEL, "i386", "", 0x3232);
}

static void test_len_64_intel(void **state)
{
	(void)state;
	check_mode(EMUL_MODE_LONG64, EMUL_VENDOR_INTEL, "i386:x86-64",
		   "-M intel64", 0x6464);
}

static void test_len_64_amd(void **state)
{
	(void)state;
	check_mode(EMUL_MODE_LONG64, EMUL_VENDOR_AMD, "i386:x86-64",
		   "-M amd64", 0x6464);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_len_16),
		cmocka_unit_test(test_len_32),
		cmocka_unit_test(test_len_64_intel),
		cmocka_unit_test(test_len_64_amd),
	};

	return cmocka_run_group_tests_name("emul-decode-len", tests, NULL,
					   NULL);
}
