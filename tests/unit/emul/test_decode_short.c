/*
 * test_decode_short.c - the short decoder of the plain MOV forms
 * (emul_decode_short) against the full decoder (emul_decode_full): for
 * every mode, prefix pattern, opcode, every ModRM byte and every SIB byte,
 * with random displacement and immediate bytes, whatever the short decoder
 * accepts must decode to the same length and the same struct emul_insn,
 * field by field. It must also accept every form it exists for (so the
 * fast path cannot silently die) and refuse everything else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "emul_private.h"

static uint32_t rng = 0x12345678u;

static uint8_t rnd8(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (uint8_t)rng;
}

#define SAME(f) do { if (a->f != b->f) { \
	snprintf(why, why_len, "field " #f ": short %lld full %lld", \
		 (long long)a->f, (long long)b->f); return false; } } while (0)

static bool same_insn(const struct emul_insn *a, const struct emul_insn *b,
		      char *why, size_t why_len)
{
	SAME(len); SAME(mode); SAME(map); SAME(opcode); SAME(vex); SAME(pfx);
	SAME(rex); SAME(opsize); SAME(addrsize); SAME(seg); SAME(has_modrm);
	SAME(modrm); SAME(mod); SAME(reg); SAME(rm); SAME(has_sib); SAME(sib);
	SAME(mem); SAME(rip_rel); SAME(base); SAME(index); SAME(scale);
	SAME(disp_len); SAME(imm_len); SAME(imm2_len); SAME(disp); SAME(imm);
	SAME(imm2); SAME(attr);
	return true;
}

/* Prefix patterns: the short decoder takes the first four (REX only in
 * 64-bit mode), never the others. */
enum { P_NONE, P_66, P_REX, P_66_REX, P_REX_66, P_67, P_LOCK, P_SEG,
       P_REP, P_COUNT };

static unsigned put_prefixes(uint8_t *b, unsigned pat)
{
	uint8_t rex = 0x40 | (rnd8() & 0xF);
	unsigned n = 0;

	switch (pat) {
	case P_66: b[n++] = 0x66; break;
	case P_REX: b[n++] = rex; break;
	case P_66_REX: b[n++] = 0x66; b[n++] = rex; break;
	case P_REX_66: b[n++] = rex; b[n++] = 0x66; break;
	case P_67: b[n++] = 0x67; break;
	case P_LOCK: b[n++] = 0xF0; break;
	case P_SEG: b[n++] = 0x64; break;
	case P_REP: b[n++] = 0xF3; break;
	}
	return n;
}

static const uint8_t opcodes[] = {
	0x88, 0x89, 0x8A, 0x8B, 0xC6, 0xC7, 0xA0, 0xA1, 0xA2, 0xA3,
	/* neighbours the short decoder must leave alone */
	0x8C, 0x8D, 0x8E, 0x84, 0x85, 0x86, 0x87, 0xC4, 0xC5, 0xC0, 0xC1,
	0xA4, 0xA5, 0xA8, 0x0F, 0x62, 0x8F, 0x40, 0x48,
};

/* Should the short decoder take these bytes? 1 yes, 0 no, -1 when the
 * "opcode" is itself a REX in 64-bit mode (then the random bytes after it
 * decide). */
static int short_form(const uint8_t *b, unsigned npfx, unsigned pat,
		      enum emul_mode mode)
{
	uint8_t op = b[npfx], modrm = b[npfx + 1];

	if (mode == EMUL_MODE_LONG64 && (op & 0xF0) == 0x40)
		return -1;
	if (mode != EMUL_MODE_LONG64 && mode != EMUL_MODE_PROT32)
		return 0; /* 16-bit addressing: the full decoder's */
	if (pat != P_NONE && pat != P_66 && pat != P_REX && pat != P_66_REX)
		return false;
	if ((pat == P_REX || pat == P_66_REX) && mode != EMUL_MODE_LONG64)
		return false; /* 40-4F are INC/DEC there */
	if ((op & 0xFC) == 0xA0)
		return true;
	if (modrm >= 0xC0)
		return false;
	return (op & 0xFC) == 0x88 || ((op & 0xFE) == 0xC6 && !(modrm & 0x38));
}

struct tally { unsigned long cases, accepted, expected; };

static void check_one(const uint8_t *b, size_t avail, unsigned npfx,
		      unsigned pat, enum emul_mode mode, struct tally *t)
{
	struct emul_insn s, f;
	char why[128] = "";
	int ns, nf;

	memset(&s, 0x5A, sizeof(s));
	ns = emul_decode_short(&s, b, avail, mode);
	nf = emul_decode_full(&f, b, avail, mode, EMUL_VENDOR_INTEL);
	t->cases++;
	t->expected += short_form(b, npfx, pat, mode) == 1;
	if (ns == 0) {
		if (avail >= 13 && short_form(b, npfx, pat, mode) == 1) {
			print_error("short decoder refused a form it handles: mode %d"
				    " bytes %02x %02x %02x %02x\n", mode, b[0], b[1],
				    b[2], b[3]);
			fail();
		}
		return;
	}
	t->accepted++;
	if (!short_form(b, npfx, pat, mode) || ns != nf ||
	    !same_insn(&s, &f, why, sizeof(why))) {
		if (ns != nf)
			snprintf(why, sizeof(why), "length short %d full %d", ns, nf);
		print_error("mode %d pattern %u short %d full %d bytes %02x %02x %02x %02x %02x: %s\n", mode, pat, ns, nf,
			    b[0], b[1], b[2], b[3], b[4], why);
		fail();
	}
}

/* Every ModRM and (where one follows) every SIB byte, random trailing
 * bytes, for each mode, prefix pattern and opcode. */
static void test_short_matches_full(void **state)
{
	static const enum emul_mode modes[] = {
		EMUL_MODE_REAL, EMUL_MODE_PROT16, EMUL_MODE_PROT32,
		EMUL_MODE_LONG64, EMUL_MODE_VM86,
	};
	struct tally t = { 0, 0, 0 };
	uint8_t b[EMUL_MAX_INSN_LEN];

	(void)state;
	for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
	for (unsigned pat = 0; pat < P_COUNT; pat++)
	for (unsigned o = 0; o < sizeof(opcodes); o++)
	for (unsigned modrm = 0; modrm < 256; modrm++) {
		unsigned nsib = (modrm & 7) == 4 && modrm < 0xC0 ? 256 : 4;

		for (unsigned sib = 0; sib < nsib; sib++) {
			unsigned n;

			for (unsigned i = 0; i < sizeof(b); i++)
				b[i] = rnd8();
			n = put_prefixes(b, pat);
			b[n] = opcodes[o];
			b[n + 1] = (uint8_t)modrm;
			if (nsib == 256)
				b[n + 2] = (uint8_t)sib;
			check_one(b, sizeof(b), n, pat, modes[m], &t);
			/* too few bytes to skip the length checks: refused */
			if (emul_decode_short(&(struct emul_insn){ 0 }, b, 12,
					      modes[m]))
				fail_msg("short decoder accepted 12 available bytes");
		}
	}
	print_message("decode-short: %lu encodings, %lu taken by the short "
		      "decoder, all equal to the full decoder\n",
		      t.cases, t.accepted);
	assert_true(t.expected > 0 && t.accepted >= t.expected);
}

/* emul_decode() gives the full decoder's answer for what the short one
 * refuses: #UD, need-more and too-long keep their meaning. */
static void test_fallback(void **state)
{
	static const uint8_t ud[15] = { 0xC7, 0xC8 }; /* C7 /1 */
	static const uint8_t lock_mov[15] = { 0xF0, 0x89, 0x00 };
	static const uint8_t short_bytes[3] = { 0x8B, 0x04, 0x25 };
	struct emul_insn insn;

	(void)state;
	assert_int_equal(emul_decode(&insn, ud, 15, EMUL_MODE_LONG64,
				     EMUL_VENDOR_INTEL), EMUL_E_UD);
	assert_int_equal(emul_decode(&insn, lock_mov, 15, EMUL_MODE_LONG64,
				     EMUL_VENDOR_INTEL),
			 EMUL_E_UD);
	assert_int_equal(emul_decode(&insn, short_bytes, 3, EMUL_MODE_LONG64,
				     EMUL_VENDOR_INTEL),
			 EMUL_E_NEED_MORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_matches_full),
		cmocka_unit_test(test_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
