/* The legacy 8259 interrupt controllers: remapped and masked at boot. */
#ifndef ARCH_X86_PIC_H
#define ARCH_X86_PIC_H

#define PIC_VECTOR_BASE 0x30

void pic_disable(void);

#endif
