/*
 * Entry point of vssguard: hands the command line to the CLI.
 */
int vg_cli_main(int argc, char **argv);

int main(int argc, char **argv) {
  return vg_cli_main(argc, argv);
}
