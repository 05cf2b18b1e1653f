//! The shell's part in the operating system: links handed over by other
//! programs, Threadline as the system's email app.

pub mod links;
pub mod mail_app;
