fn main() {
    // Start-up steps (KEHU_TRACE=1) count from here.
    kehu::tui::trace::start();
    kehu::tui::memory::limit_arenas();
    std::process::exit(kehu::cli::main());
}
