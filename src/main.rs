fn main() -> std::process::ExitCode {
    promptwright::cli::main()
}
