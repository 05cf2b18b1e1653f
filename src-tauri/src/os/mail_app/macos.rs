//! Making Threadline the `mailto:` handler on macOS: the bundle declares
//! the scheme (CFBundleURLTypes, from `src-tauri/packaging/macos.json`),
//! and Launch Services records the user's choice.

use core_foundation::base::TCFType;
use core_foundation::string::{CFString, CFStringRef};

/// The app's bundle identifier (tauri.conf.json's `identifier`).
const BUNDLE_ID: &str = "app.threadline";

#[link(name = "CoreServices", kind = "framework")]
unsafe extern "C" {
    fn LSSetDefaultHandlerForURLScheme(scheme: CFStringRef, handler: CFStringRef) -> i32;
    fn LSCopyDefaultHandlerForURLScheme(scheme: CFStringRef) -> CFStringRef;
}

/// Whether Launch Services opens `mailto:` with Threadline.
pub fn is_default() -> bool {
    let scheme = CFString::new("mailto");
    // SAFETY: a valid CFString in; the returned string, if any, is ours to
    // release (the Copy rule), which wrap_under_create_rule does.
    let handler = unsafe { LSCopyDefaultHandlerForURLScheme(scheme.as_concrete_TypeRef()) };
    if handler.is_null() {
        return false;
    }
    let handler = unsafe { CFString::wrap_under_create_rule(handler) };
    handler.to_string().eq_ignore_ascii_case(BUNDLE_ID)
}

/// Makes Threadline the `mailto:` handler.
pub fn make_default() -> Result<(), String> {
    let (scheme, bundle) = (CFString::new("mailto"), CFString::new(BUNDLE_ID));
    // SAFETY: two valid CFStrings, borrowed for the call.
    let status = unsafe { LSSetDefaultHandlerForURLScheme(scheme.as_concrete_TypeRef(), bundle.as_concrete_TypeRef()) };
    if status == 0 { Ok(()) } else { Err(format!("Launch Services answered {status}")) }
}
