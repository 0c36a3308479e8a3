/*
 * Host unit tests for the argument parsing of the VM commands
 * (guests/ctl/vmm_args.c): numbers, VM indexes, module references, joined
 * command lines and the register table of `set`. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/vmm.h"

static void test_numbers(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(vmm_parse_u64("16", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(vmm_parse_u64("0x100000", &v), 0);
	assert_int_equal(v, 0x100000);
	assert_int_equal(vmm_parse_u64("0X1f", &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(vmm_parse_u64("1M", &v), 0);
	assert_int_equal(v, 1 << 20);
	assert_int_equal(vmm_parse_u64("4k", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(vmm_parse_u64("2G", &v), 0);
	assert_true(v == 2ULL << 30);
	assert_int_equal(vmm_parse_u64("0xffffffffffffffff", &v), 0);
	assert_true(v == ~0ULL);
	assert_int_equal(vmm_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	/* malformed */
	assert_int_equal(vmm_parse_u64("", &v), -1);
	assert_int_equal(vmm_parse_u64("-1", &v), -1);
	assert_int_equal(vmm_parse_u64("+1", &v), -1);
	assert_int_equal(vmm_parse_u64(" 1", &v), -1);
	assert_int_equal(vmm_parse_u64("12x", &v), -1);
	assert_int_equal(vmm_parse_u64("1MB", &v), -1);
	assert_int_equal(vmm_parse_u64("0x", &v), -1);
	assert_int_equal(vmm_parse_u64("rip", &v), -1);
	assert_int_equal(vmm_parse_u64("18446744073709551616", &v), -1);
	assert_int_equal(vmm_parse_u64("0x400000000000000G", &v), -1);
}

static void test_vm_index(void **state)
{
	int n;

	(void)state;
	assert_int_equal(vmm_parse_vm_index("0", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(vmm_parse_vm_index("7", &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(vmm_parse_vm_index("8", &n), -1);
	assert_int_equal(vmm_parse_vm_index("-1", &n), -1);
	assert_int_equal(vmm_parse_vm_index("vm0", &n), -1);
	assert_int_equal(vmm_parse_vm_index("1k", &n), -1);
	assert_int_equal(vmm_parse_vm_index("", &n), -1);
}

static void test_modules(void **state)
{
	const char *const cmdlines[] = {
		"hello greeting=world", "  mbtest", "", "initrd.img x", "2 numeric-name",
	};
	char name[8];

	(void)state;
	assert_int_equal(vmm_find_module(cmdlines, 5, "hello"), 0);
	assert_int_equal(vmm_find_module(cmdlines, 5, "mbtest"), 1);
	assert_int_equal(vmm_find_module(cmdlines, 5, "initrd.img"), 3);
	assert_int_equal(vmm_find_module(cmdlines, 5, "1"), 1);
	assert_int_equal(vmm_find_module(cmdlines, 5, "2"), 2);  /* index wins */
	assert_int_equal(vmm_find_module(cmdlines, 5, "5"), -1);
	assert_int_equal(vmm_find_module(cmdlines, 5, "greeting=world"), -1);
	assert_int_equal(vmm_find_module(cmdlines, 5, "hell"), -1);
	assert_int_equal(vmm_find_module(cmdlines, 0, "0"), -1);
	vmm_module_name("  a-long-name x", name, sizeof(name));
	assert_string_equal(name, "a-long-");
	vmm_module_name("", name, sizeof(name));
	assert_string_equal(name, "");
	assert_string_equal(vmm_module_args("hello greeting=world  x"), "greeting=world  x");
	assert_string_equal(vmm_module_args(" \tvmlinuz\t console=ttyS0"), "console=ttyS0");
	assert_string_equal(vmm_module_args("  mbtest  "), "");
	assert_string_equal(vmm_module_args(""), "");
}

static void test_join(void **state)
{
	char *words[] = { "console=ttyS0", "debug", "x=\"a b\"" };
	char out[64], small[10];

	(void)state;
	assert_int_equal(vmm_join_words(3, words, out, sizeof(out)), 0);
	assert_string_equal(out, "console=ttyS0 debug x=\"a b\"");
	assert_int_equal(vmm_join_words(0, words, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(vmm_join_words(2, words, small, sizeof(small)), -1);
	assert_int_equal(vmm_join_words(1, words + 1, small, 6), 0);
	assert_string_equal(small, "debug");
	assert_int_equal(vmm_join_words(1, words + 1, small, 5), -1);
}

static void test_registers(void **state)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct vmm_reg_desc d;

	(void)state;
	memset(&regs, 0, sizeof(regs));
	memset(&sregs, 0, sizeof(sregs));
	assert_int_equal(vmm_find_reg("rip", &d), 0);
	assert_int_equal(d.kind, VMM_REG_GPR);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x100000), 0);
	assert_int_equal(regs.rip, 0x100000);
	assert_int_equal(vmm_find_reg("R15", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, ~0ULL), 0);
	assert_true(regs.r15 == ~0ULL);
	assert_int_equal(vmm_find_reg("rflags", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x202), 0);
	assert_int_equal(regs.rflags, 0x202);
	assert_int_equal(vmm_find_reg("cr0", &d), 0);
	assert_int_equal(d.kind, VMM_REG_SREG);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x80000011), 0);
	assert_int_equal(sregs.cr0, 0x80000011);
	assert_int_equal(vmm_find_reg("efer", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x500), 0);
	assert_int_equal(sregs.efer, 0x500);
	assert_int_equal(vmm_find_reg("cr3", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x2000), 0);
	assert_int_equal(sregs.cr3, 0x2000);
	/* a segment alone is its selector; fields with a dot */
	assert_int_equal(vmm_find_reg("cs", &d), 0);
	assert_int_equal(d.bytes, 2);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x18), 0);
	assert_int_equal(sregs.cs.selector, 0x18);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x10000), -1);
	assert_int_equal(vmm_find_reg("ss.base", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x12340), 0);
	assert_int_equal(sregs.ss.base, 0x12340);
	assert_int_equal(vmm_find_reg("DS.Limit", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0xffffffff), 0);
	assert_int_equal(sregs.ds.limit, 0xffffffff);
	assert_int_equal(vmm_find_reg("cs.l", &d), 0);
	assert_int_equal(d.bytes, 1);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 1), 0);
	assert_int_equal(sregs.cs.l, 1);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 256), -1);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 2), -1);   /* 1 bit */
	assert_int_equal(vmm_find_reg("tr.type", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 11), 0);
	assert_int_equal(sregs.tr.type, 11);
	/* fields are as wide as in a descriptor, not as their storage */
	assert_int_equal(vmm_find_reg("cs.type", &d), 0);
	assert_int_equal(d.bits, 4);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 99), -1);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 16), -1);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 15), 0);
	assert_int_equal(vmm_find_reg("ss.dpl", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 4), -1);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 3), 0);
	assert_int_equal(sregs.ss.dpl, 3);
	assert_int_equal(vmm_find_reg("ldt.unusable", &d), 0);
	assert_int_equal(vmm_find_reg("gdt.base", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0x1000), 0);
	assert_int_equal(sregs.gdt.base, 0x1000);
	assert_int_equal(vmm_find_reg("idt.limit", &d), 0);
	assert_int_equal(vmm_reg_store(&d, &regs, &sregs, 0xfff), 0);
	assert_int_equal(sregs.idt.limit, 0xfff);
	/* the neighbours were not touched */
	assert_int_equal(sregs.idt.base, 0);
	assert_int_equal(sregs.cs.base, 0);
	/* unknown */
	assert_int_equal(vmm_find_reg("eax", &d), -1);
	assert_int_equal(vmm_find_reg("cs.", &d), -1);
	assert_int_equal(vmm_find_reg("cs.bogus", &d), -1);
	assert_int_equal(vmm_find_reg("xs.base", &d), -1);
	assert_int_equal(vmm_find_reg("gdt", &d), -1);
	assert_int_equal(vmm_find_reg("gdt.type", &d), -1);
	assert_int_equal(vmm_find_reg("rip.base", &d), -1);
	assert_int_equal(vmm_find_reg("", &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_vm_index),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
