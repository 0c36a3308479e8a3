/* vm86.bin's shared pieces (main.c, fxsr.c, vm86.S). */
#ifndef VM86_GUEST_H
#define VM86_GUEST_H

#include <stdint.h>

#define EFLAGS_VM   (1u << 17)
#define EFLAGS_IOPL3 (3u << 12)
#define V86_CS      0x8f00u     /* linear 0x8f000: the device */
#define V86_SS      0x8e00u     /* linear 0x8e000: RAM */
#define V86_SP      0x1000u

/* vm86.S: IRET into virtual-8086 mode with frame[] = EIP CS EFLAGS ESP SS
 * ES DS FS GS; returns once vm86_exit took the INT that ends it, with what
 * that pushed (EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS) in vm86_seen. */
void vm86_run(const uint32_t frame[9]);
void vm86_exit(void);
extern volatile uint32_t vm86_seen[9];

/* fxsr.c: FXSAVE and FXRSTOR from virtual-8086 mode, image on the device */
void vm86_fxsr_checks(void);

#endif
