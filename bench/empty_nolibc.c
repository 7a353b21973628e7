// A program without any libc: exit(0) as its first instruction. The floor of
// starting a process on this machine (fork/exec/exit/wait, no libc start-up).
#if defined(__x86_64__)
__attribute__((naked, noreturn)) void _start(void) {
  __asm__ volatile("movl $60, %eax\n\txorl %edi, %edi\n\tsyscall\n\thlt");
}
#else
#error "empty_nolibc is written for x86-64"
#endif
