// Package apps installs, updates and removes the web apps and konnectors of
// an instance, as upstream cozy-stack does: a manifest (manifest.webapp or
// manifest.konnector) is fetched from a source (file://, http(s):// tarball
// with an optional #sha256, git:// git+https:// git+ssh:// with an optional
// #branch, or registry://slug/channel), validated, and the files are
// unpacked into a fresh version directory under the instance's data
// directory. The app document (io.cozy.apps or io.cozy.konnectors) then
// points at that directory, so that a failed install or update leaves the
// previous version serving and the switch is a single document write (which
// the store's event bus publishes).
//
// Sources come from users: their http(s) requests (registry calls,
// tarballs, redirects) go through remote's guarded transport, which
// refuses loopback, private and special addresses at connect time; the
// configured registries (and Fetcher.Trusted) are allowed wherever they
// are. Every read inside an installed app's folder goes through an
// *os.Root (OpenRoot, ReadFile), which nothing escapes. Installs and
// updates end in the background, owned by the Manager: Close cancels and
// waits for them.
//
// git clones over http(s) take a local proxy on the same guard. Limits:
// git:// and ssh sources are dialled by git itself: their host is
// resolved and checked before the clone (a DNS answer changing in between
// is not caught). Archives are tar, tar.gz or
// zip; entries escaping the target directory, links and special files are
// refused, and the number of files and the uncompressed size are bounded. The previous version directory is
// kept (for requests in flight and GET download/:version); older ones are
// removed. No HTTP here: web/apps serves the API and the apps.
package apps
