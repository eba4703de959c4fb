// mimalloc, not glibc's malloc: a docket read allocates and frees
// thousands of small strings beside buffers of hundreds of kilobytes, and
// glibc spent about a sixth of the server's time on them (consolidating
// free chunks; `perf` on the docket bench).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    amaan::cli::main()
}
