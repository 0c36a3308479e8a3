/*
 * The code of task.bin's tasks (docs/test-guests.md, "task.bin"). Each runs
 * on its own stack with its own TSS and starts over each time it is
 * entered: a task resumes where it last left off, which is the
 * instruction after its IRET or JMP, and that jumps back to its start.
 *
 *   worker: task_worker_work() records what it sees, then goes back the
 *           way it came: IRET if NT is set (it was CALLed), else a JMP
 *           to the main task (it was JMPed to).
 *   event tasks (INT n, #GP, #DF): record, then IRET. An exception with an
 *           error code leaves it on the task's stack (SDM Vol. 3 6.12.2):
 *           the #GP and #DF tasks note ESP and pop it first.
 *   paging: records CR3 and what a linear address holds there, then IRET.
 */
#define SEL_MAIN  0x18
#define EFLAGS_NT 0x4000

	.code32
	.text

	.globl	task_worker_entry
task_worker_entry:
	call	task_worker_work
	pushfl
	popl	%eax
	testl	$EFLAGS_NT, %eax
	jnz	1f
	ljmp	$SEL_MAIN, $0
	jmp	task_worker_entry
1:	iret
	jmp	task_worker_entry

	.globl	task_int_entry
task_int_entry:
	call	task_int_work
	iret
	jmp	task_int_entry

/* An exception with an error code: ESP as the switch left it, then the
 * error code popped into error_out. */
.macro error_task name
	.globl	task_\name\()_entry
task_\name\()_entry:
	movl	%esp, task_\name\()_esp
	popl	task_\name\()_error
	call	task_\name\()_work
	iret
	jmp	task_\name\()_entry
.endm

	error_task gp
	error_task df

/* The 16-bit TSS's task: 32-bit code run from a code segment based at
 * the image's load address (its IP is 16 bits), without a stack (a
 * 16-bit TSS gives no upper half of ESP). */
	.globl	task16_entry, task16_after_iret
task16_entry:
	incl	task16_runs
	str	%ax
	movw	%ax, task16_tr
	iret
task16_after_iret:
	jmp	task16_entry

	.globl	task_paging_entry
task_paging_entry:
	call	task_paging_work
	iret
	jmp	task_paging_entry

/*
 * Instructions that fault, each followed by the label where the handler
 * (an interrupt gate's, which edits the return EIP, or a task's, which
 * edits the main task's saved EIP) resumes the main task.
 */
#define SEL_SMALL 0x40
#define SEL_UNMAPPED 0x58
#define SEL_FAR_PT 0x78
#define SEL_BAD   0x0ff8        /* past the GDT's limit */

	/* MOV to DS with a selector past the GDT limit: #GP(0xff8) */
	.globl	fault_bad_ds, fault_bad_ds_resume
fault_bad_ds:
	movw	$SEL_BAD, %ax
	movw	%ax, %ds
fault_bad_ds_resume:
	ret

	/* JMP to the running (busy) task: #GP(0x18) */
	.globl	fault_busy_jmp, fault_busy_jmp_resume
fault_busy_jmp:
	ljmp	$SEL_MAIN, $0
fault_busy_jmp_resume:
	ret

	/* JMP to a TSS whose limit is 0x60: #TS(0x40) */
	.globl	fault_small_jmp, fault_small_jmp_resume
fault_small_jmp:
	ljmp	$SEL_SMALL, $0
fault_small_jmp_resume:
	ret

	/* JMP to a TSS on a page that is not present: #PF before the switch */
	.globl	fault_unmapped_jmp, fault_unmapped_jmp_resume
fault_unmapped_jmp:
	ljmp	$SEL_UNMAPPED, $0
fault_unmapped_jmp_resume:
	ret

	.globl	fault_far_pt_jmp, fault_far_pt_jmp_resume
fault_far_pt_jmp:
	ljmp	$SEL_FAR_PT, $0
fault_far_pt_jmp_resume:
	ret

	.section .note.GNU-stack, "", @progbits
