/*
 * startup.c - bare-metal start-up for the Cortex-M tests on QEMU's MPS2
 * boards (mps2-an386: Cortex-M4, mps2-an500: Cortex-M7), with newlib and
 * semihosting (librdimon: stdio and files of the host, exit status).
 *
 * Reset_Handler enables the FPU (when the code is built for one), zeroes
 * .bss, paints the unused stack with a pattern (so a program can measure its
 * stack high-water mark: bnnc_stack_paint(), bnnc_stack_high_water()), fetches the command
 * line QEMU was given (-semihosting-config arg=...) and calls
 * main(argc, argv); main's return value becomes QEMU's exit status. Any
 * fault exits with status 127.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

extern uint32_t __stack_top, __stack_limit, __bss_start__, __bss_end__;
extern int main(int argc, char **argv);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

void _init(void);
void _fini(void);
void Reset_Handler(void);
void bnnc_stack_paint(void);
size_t bnnc_stack_high_water(void);

void _init(void) {}
void _fini(void) {}

#define STACK_PAINT 0xdeadbeefu

static int semihost(int op, void *arg) {
  register int r0 __asm__("r0") = op;
  register void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* Paints the free stack below the caller's frame again, so that
 * bnnc_stack_high_water() then measures what runs afterwards. */
void bnnc_stack_paint(void) {
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = &__stack_limit; p < sp - 64; ++p)
    *p = STACK_PAINT;
}

/* Bytes of the stack (from its top) that were written since the last
 * painting: the high-water mark. */
size_t bnnc_stack_high_water(void) {
  const uint32_t *p = &__stack_limit;
  while (p < &__stack_top && *p == STACK_PAINT)
    ++p;
  return (size_t)((const char *)&__stack_top - (const char *)p);
}

static char cmdline[1024];
static char *argv_buf[32];

__attribute__((noinline, used)) static void paint_and_run(void) {
  uint32_t *sp;
  int argc = 0;
  struct {
    char *buf;
    int len;
  } block = {cmdline, (int)sizeof cmdline - 1};
  /* Paint from the stack limit to just below this frame. */
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = &__stack_limit; p < sp - 64; ++p)
    *p = STACK_PAINT;
  __libc_init_array();
  initialise_monitor_handles();
  if (semihost(0x15 /* SYS_GET_CMDLINE */, &block) == 0) {
    char *s = cmdline;
    cmdline[sizeof cmdline - 1] = 0;
    while (*s && argc < 31) {
      while (*s == ' ')
        *s++ = 0;
      if (!*s)
        break;
      argv_buf[argc++] = s;
      while (*s && *s != ' ')
        ++s;
    }
  }
  argv_buf[argc] = 0;
  exit(main(argc, argv_buf));
}

void Reset_Handler(void) {
#if defined(__ARM_FP)
  *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20); /* CPACR: CP10, CP11 */
  __asm__ volatile("dsb\n isb");
#endif
  for (uint32_t *p = &__bss_start__; p < &__bss_end__;)
    *p++ = 0;
  paint_and_run();
}

static void Fault_Handler(void) { _exit(127); }

__attribute__((section(".isr_vector"), used))
const void *const bnnc_vector_table[16] = {
    &__stack_top,  Reset_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, 0,
    0,             0,             0,             Fault_Handler,
    Fault_Handler, 0,             Fault_Handler, Fault_Handler,
};
