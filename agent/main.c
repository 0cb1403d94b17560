/*
 * Entry point of vssguard: hands the command line, in UTF-8, to the CLI.
 */
#include "vssguard/platform.h"

int vg_cli_main(int argc, char **argv);

int main(int argc, char **argv) {
  vg_plat_utf8_args(&argc, &argv);
  return vg_cli_main(argc, argv);
}
