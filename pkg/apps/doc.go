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
// Limits: archives are tar, tar.gz or zip; entries escaping the target
// directory, links and special files are refused, and the number of files
// and the uncompressed size are bounded. The previous version directory is
// kept (for requests in flight and GET download/:version); older ones are
// removed. No HTTP here: web/apps serves the API and the apps.
package apps
