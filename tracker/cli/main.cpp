#include "cli.hpp"

#include <iostream>

int main(int argc, char** argv) { return tracker::cli::run_cli(argc, argv, std::cout, std::cerr); }
