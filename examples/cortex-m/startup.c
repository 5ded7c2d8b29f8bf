/*
 * startup.c - minimal start-up for QEMU's mps2-an386 (Cortex-M4): vector
 * table, FPU enable, .bss zeroing, newlib + semihosting initialisation, then
 * main(); main's return value becomes QEMU's exit status. QEMU loads every
 * section at its link address, so .data needs no copy (on a real board,
 * copy it from flash here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

extern uint32_t __stack_top, __bss_start__, __bss_end__;
extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

void _init(void);
void _fini(void);
void Reset_Handler(void);

void _init(void) {}
void _fini(void) {}

void Reset_Handler(void) {
  *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20); /* CPACR: CP10, CP11 */
  __asm__ volatile("dsb\n isb");
  for (uint32_t *p = &__bss_start__; p < &__bss_end__;)
    *p++ = 0;
  __libc_init_array();
  initialise_monitor_handles();
  exit(main());
}

static void Fault_Handler(void) { _exit(127); }

__attribute__((section(".isr_vector"), used))
const void *const vector_table[16] = {
    &__stack_top,  Reset_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, 0,
    0,             0,             0,             Fault_Handler,
    Fault_Handler, 0,             Fault_Handler, Fault_Handler,
};
