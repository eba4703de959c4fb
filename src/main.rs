fn main() -> std::process::ExitCode {
    amaan::cli::main()
}
