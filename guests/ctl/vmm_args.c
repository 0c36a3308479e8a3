/*
 * Argument parsing of the VM commands (vmm.h): numbers with K/M/G suffixes,
 * VM indexes, boot-module references, and the table of registers `set` can
 * write. Pure logic: control partition and host tests.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guests/ctl/vmm.h"

int vmm_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	if (shift && v > (~0ULL >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int vmm_parse_vm_index(const char *s, int *out)
{
	uint64_t v;

	if (!isdigit((unsigned char)*s) || vmm_parse_u64(s, &v) < 0 ||
	    v >= VMM_MAX_VMS || strpbrk(s, "kKmMgG"))
		return -1;
	*out = (int)v;
	return 0;
}

void vmm_module_name(const char *cmdline, char *out, size_t cap)
{
	size_t n = 0;

	while (*cmdline == ' ' || *cmdline == '\t')
		cmdline++;
	while (cmdline[n] && cmdline[n] != ' ' && cmdline[n] != '\t' && n + 1 < cap) {
		out[n] = cmdline[n];
		n++;
	}
	if (cap)
		out[n] = '\0';
}

const char *vmm_module_args(const char *cmdline)
{
	while (*cmdline == ' ' || *cmdline == '\t')
		cmdline++;
	while (*cmdline && *cmdline != ' ' && *cmdline != '\t')
		cmdline++;
	while (*cmdline == ' ' || *cmdline == '\t')
		cmdline++;
	return cmdline;
}

int vmm_find_module(const char *const *cmdlines, unsigned n, const char *ref)
{
	char name[64];
	uint64_t v;

	if (isdigit((unsigned char)*ref) && vmm_parse_u64(ref, &v) == 0 &&
	    !strpbrk(ref, "kKmMgG"))
		return v < n ? (int)v : -1;
	for (unsigned i = 0; i < n; i++) {
		vmm_module_name(cmdlines[i], name, sizeof(name));
		if (name[0] && strcmp(name, ref) == 0)
			return (int)i;
	}
	return -1;
}

int vmm_join_words(int n, char *const *words, char *out, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t w = strlen(words[i]);

		if (len + (i ? 1 : 0) + w + 1 > cap)
			return -1;
		if (i)
			out[len++] = ' ';
		memcpy(out + len, words[i], w + 1);
		len += w;
	}
	return 0;
}

#define GPR(n) { #n, VMM_REG_GPR, offsetof(struct kvm_regs, n), 8, 64 }
#define SREG(n) { #n, VMM_REG_SREG, offsetof(struct kvm_sregs, n), 8, 64 }

static const struct vmm_reg_desc plain_regs[] = {
	GPR(rax), GPR(rbx), GPR(rcx), GPR(rdx), GPR(rsi), GPR(rdi),
	GPR(rsp), GPR(rbp), GPR(r8), GPR(r9), GPR(r10), GPR(r11),
	GPR(r12), GPR(r13), GPR(r14), GPR(r15), GPR(rip), GPR(rflags),
	SREG(cr0), SREG(cr2), SREG(cr3), SREG(cr4), SREG(cr8), SREG(efer),
	SREG(apic_base),
};

static const struct {
	const char *name;
	size_t offset;
} segments[] = {
	{ "cs", offsetof(struct kvm_sregs, cs) },
	{ "ds", offsetof(struct kvm_sregs, ds) },
	{ "es", offsetof(struct kvm_sregs, es) },
	{ "fs", offsetof(struct kvm_sregs, fs) },
	{ "gs", offsetof(struct kvm_sregs, gs) },
	{ "ss", offsetof(struct kvm_sregs, ss) },
	{ "tr", offsetof(struct kvm_sregs, tr) },
	{ "ldt", offsetof(struct kvm_sregs, ldt) },
};

#define SEGF(n, bits) { #n, offsetof(struct kvm_segment, n), \
			sizeof(((struct kvm_segment *)0)->n), bits }

/* Widths as in a segment descriptor (SDM Vol. 3A 3.4.5). */
static const struct {
	const char *name;
	size_t offset;
	unsigned bytes, bits;
} segment_fields[] = {
	SEGF(base, 64), SEGF(limit, 32), SEGF(selector, 16), SEGF(type, 4),
	SEGF(present, 1), SEGF(dpl, 2), SEGF(db, 1), SEGF(s, 1), SEGF(l, 1),
	SEGF(g, 1), SEGF(avl, 1), SEGF(unusable, 1),
};

int vmm_find_reg(const char *name, struct vmm_reg_desc *out)
{
	const char *dot = strchr(name, '.');
	size_t base_len = dot ? (size_t)(dot - name) : strlen(name);

	if (!dot) {
		for (size_t i = 0; i < sizeof(plain_regs) / sizeof(plain_regs[0]); i++) {
			if (strcasecmp(name, plain_regs[i].name) == 0) {
				*out = plain_regs[i];
				return 0;
			}
		}
	}
	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
		if (strlen(segments[i].name) != base_len ||
		    strncasecmp(name, segments[i].name, base_len) != 0)
			continue;
		for (size_t f = 0; f < sizeof(segment_fields) / sizeof(segment_fields[0]); f++) {
			if (dot ? strcasecmp(dot + 1, segment_fields[f].name) != 0 :
				  strcmp(segment_fields[f].name, "selector") != 0)
				continue;
			*out = (struct vmm_reg_desc){
				.name = segment_fields[f].name,
				.kind = VMM_REG_SREG,
				.offset = segments[i].offset + segment_fields[f].offset,
				.bytes = segment_fields[f].bytes,
				.bits = segment_fields[f].bits,
			};
			return 0;
		}
		return -1;
	}
	if (dot && (base_len == 3) &&
	    (strncasecmp(name, "gdt", 3) == 0 || strncasecmp(name, "idt", 3) == 0)) {
		size_t table = strncasecmp(name, "gdt", 3) == 0 ?
			       offsetof(struct kvm_sregs, gdt) :
			       offsetof(struct kvm_sregs, idt);

		if (strcasecmp(dot + 1, "base") == 0) {
			*out = (struct vmm_reg_desc){ "base", VMM_REG_SREG,
				table + offsetof(struct kvm_dtable, base), 8, 64 };
			return 0;
		}
		if (strcasecmp(dot + 1, "limit") == 0) {
			*out = (struct vmm_reg_desc){ "limit", VMM_REG_SREG,
				table + offsetof(struct kvm_dtable, limit), 2, 16 };
			return 0;
		}
	}
	return -1;
}

int vmm_reg_store(const struct vmm_reg_desc *d, struct kvm_regs *regs,
		  struct kvm_sregs *sregs, uint64_t value)
{
	uint8_t *p = d->kind == VMM_REG_GPR ? (uint8_t *)regs : (uint8_t *)sregs;

	if (d->bits < 64 && value >> d->bits)
		return -1;
	memcpy(p + d->offset, &value, d->bytes);        /* little-endian */
	return 0;
}
