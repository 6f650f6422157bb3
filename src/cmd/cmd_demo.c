/* placeholder replaced below */
int cmd_demo(int argc, char **argv);
int cmd_demo(int argc, char **argv) { (void)argc; (void)argv; return 0; }
