// The cheapest glibc program: how long starting any glibc program takes here.
int main(void) { return 0; }
