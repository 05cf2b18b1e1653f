//! The Threadline desktop app's entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    threadline_engine::limit_allocator_arenas();
    threadline_app::run();
}
