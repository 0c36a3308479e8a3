/*
 * Checks that prot32 and long64 both run, one PASS/FAIL line each: string
 * IO in both directions (the VMM's IO exit with string, rep and string_down),
 * IN from a port no device claims, and the VMM's CPUID answers. The same
 * source builds for 32- and 64-bit mode; register names follow the mode.
 */
#include "guest.h"

#ifdef __x86_64__
#define RSI "rsi"
#define RDI "rdi"
#define RCX "rcx"
#define RAX "rax"
#else
#define RSI "esi"
#define RDI "edi"
#define RCX "ecx"
#define RAX "eax"
#endif

/* Upper bits the IN checks expect to survive (all of them but the result). */
#define IN_FILL ((unsigned long)0xa5a5a5a5a5a5a5a5ull)

static const char forward_text[] =
	"rep outsb DF=0: the quick brown fox jumps over the lazy dog\r\n";
static const char backward_text[] =
	"rep outsb DF=1: sent last byte first from a reversed copy\r\n";
static char reversed[sizeof(backward_text)];

/*
 * The text after "<guest>: " goes out by REP OUTSB. Backward, the source is
 * a reversed copy and DF = 1: the line reads right only if the VMM takes
 * the bytes from RSI downwards.
 */
void check_rep_outsb(bool backward)
{
	const char *text = backward ? reversed : forward_text;
	unsigned long len = sizeof(forward_text) - 1;
	const char *p;
	unsigned long cx;
	uintptr_t want;

	if (backward) {
		len = sizeof(backward_text) - 1;
		for (unsigned long i = 0; i < len; i++)
			reversed[len - 1 - i] = backward_text[i];
	}
	p = backward ? text + len - 1 : text;
	want = backward ? (uintptr_t)text - 1 : (uintptr_t)text + len;
	cx = len;
	con_printf("%s: ", guest_name);
	con_rep_outsb(&p, &cx, backward);
	if (cx)
		con_putc('\n');
	if (!check((uintptr_t)p == want && cx == 0,
		   "rep outsb DF=%d: " RSI " %s by %lu, " RCX " = 0",
		   backward, backward ? "down" : "up", len))
		say("  " RSI " moved by %ld, " RCX " = %lu",
		    (long)((uintptr_t)p - (uintptr_t)(backward ? text + len - 1 : text)),
		    cx);
}

/*
 * REP INSB of 8 bytes from UNCLAIMED_PORT into the middle of a buffer of
 * guard bytes: the VMM must store 0xff into exactly those 8 bytes, in the
 * direction DF gives, and step RDI and RCX.
 */
void check_rep_insb(bool backward)
{
	enum { GUARD = 4, COUNT = 8, GUARD_BYTE = 0x5a };
	static uint8_t buf[GUARD + COUNT + GUARD];
	uint8_t *p = backward ? buf + GUARD + COUNT - 1 : buf + GUARD;
	uint8_t *want = backward ? buf + GUARD - 1 : buf + GUARD + COUNT;
	unsigned long cx = COUNT;
	bool ok;

	memset(buf, GUARD_BYTE, sizeof(buf));
	if (backward)
		__asm__ volatile("std; rep insb; cld"
				 : "+D"(p), "+c"(cx)
				 : "d"((uint16_t)UNCLAIMED_PORT)
				 : "memory", "cc");
	else
		__asm__ volatile("rep insb"
				 : "+D"(p), "+c"(cx)
				 : "d"((uint16_t)UNCLAIMED_PORT)
				 : "memory");
	ok = p == want && cx == 0;
	for (unsigned int i = 0; i < sizeof(buf); i++) {
		bool inside = i >= GUARD && i < GUARD + COUNT;

		ok &= buf[i] == (inside ? 0xff : GUARD_BYTE);
	}
	if (!check(ok, "rep insb DF=%d from unclaimed port 0x%x: 8 bytes of 0xff, "
		   "guard bytes kept, " RDI " %s by 8, " RCX " = 0",
		   backward, UNCLAIMED_PORT, backward ? "down" : "up")) {
		say("  " RDI " moved by %ld, " RCX " = %lu, buffer:",
		    (long)(p - (backward ? buf + GUARD + COUNT - 1 : buf + GUARD)), cx);
		con_printf("%s:  ", guest_name);
		for (unsigned int i = 0; i < sizeof(buf); i++)
			con_printf(" %02x", buf[i]);
		con_putc('\n');
	}
}

/*
 * IN of each size from UNCLAIMED_PORT reads all ones. IN AL and IN AX keep
 * the rest of RAX; IN EAX writes a 32-bit register, which in 64-bit mode
 * zero-extends into RAX (SDM vol. 1, 3.4.1.1) - unlike 2.6.21's libkvm,
 * which kept the upper half (docs/hypercall-abi.md, "KVM_RUN").
 */
void check_in_unclaimed(void)
{
	unsigned long v;

	v = IN_FILL & ~0xfful;
	__asm__ volatile("inb %1, %b0" : "+a"(v) : "N"(UNCLAIMED_PORT));
	if (!check(v == (IN_FILL | 0xff),
		   "in al, 0x%x (imm8 port) reads 0xff, rest of " RAX " kept",
		   UNCLAIMED_PORT))
		say("  " RAX " = 0x%lx", v);

	v = IN_FILL & ~0xfffful;
	__asm__ volatile("inw %w1, %w0" : "+a"(v) : "d"((uint16_t)UNCLAIMED_PORT));
	if (!check(v == (IN_FILL | 0xffff),
		   "in ax, dx (port 0x%x) reads 0xffff, rest of " RAX " kept",
		   UNCLAIMED_PORT))
		say("  " RAX " = 0x%lx", v);

	v = IN_FILL;
	__asm__ volatile("inl %w1, %k0" : "+a"(v) : "d"((uint16_t)UNCLAIMED_PORT));
#ifdef __x86_64__
	if (!check(v == 0xffffffffull,
		   "in eax, dx (port 0x%x) reads 0xffffffff, zero-extended into rax",
		   UNCLAIMED_PORT))
#else
	if (!check(v == 0xffffffffu, "in eax, dx (port 0x%x) reads 0xffffffff",
		   UNCLAIMED_PORT))
#endif
		say("  " RAX " = 0x%lx", v);
}

/* Four CPUID register values as text, non-printable bytes shown as '?'. */
static bool regs_to_text(char out[13], uint32_t a, uint32_t b, uint32_t c)
{
	bool printable = true;

	memcpy(out, &a, 4);
	memcpy(out + 4, &b, 4);
	memcpy(out + 8, &c, 4);
	for (int i = 0; i < 12; i++) {
		if (out[i] < 0x20 || out[i] > 0x7e) {
			out[i] = '?';
			printable = false;
		}
	}
	out[12] = '\0';
	return printable;
}

/*
 * The VMM answers every CPUID (docs/test-guests.md, "CPUID"): vendor from
 * leaf 0, hypervisor bit set and VMX clear in leaf 1, the BareKVM signature
 * at 0x40000000 (docs/hypercall-abi.md), SVM clear in 0x80000001.
 */
void check_cpuid(void)
{
	static const char signature[] = "BareKVM HV  ";
	uint32_t r[4], max_ext;
	char text[13];
	bool printable;

	cpuid(0, 0, r);
	printable = regs_to_text(text, r[1], r[3], r[2]);       /* EBX EDX ECX */
	say("cpuid 0: max leaf 0x%08x, vendor '%s'", r[0], text);
	check(printable && r[0] >= 1,
	      "cpuid 0: vendor is 12 printable characters, max leaf >= 1");

	cpuid(1, 0, r);
	say("cpuid 1: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x",
	    r[0], r[1], r[2], r[3]);
	check(r[2] & (1u << 31), "cpuid 1: hypervisor present (ecx bit 31 set)");
	check(!(r[2] & (1u << 5)), "cpuid 1: vmx hidden (ecx bit 5 clear)");

	cpuid(0x40000000, 0, r);
	regs_to_text(text, r[1], r[2], r[3]);                   /* EBX ECX EDX */
	say("cpuid 0x40000000: eax=0x%08x, signature '%s'", r[0], text);
	check(memcmp(text, signature, 12) == 0,
	      "cpuid 0x40000000: signature '%s'", signature);

	cpuid(0x80000000, 0, r);
	max_ext = r[0];
	if (max_ext >= 0x80000001)
		cpuid(0x80000001, 0, r);
	else
		r[2] = r[3] = 0;
	say("cpuid 0x80000000: max 0x%08x; 0x80000001: ecx=0x%08x edx=0x%08x",
	    max_ext, r[2], r[3]);
	check(!(r[2] & (1u << 2)), "cpuid 0x80000001: svm hidden (ecx bit 2 clear)");
}
