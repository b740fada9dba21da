// Package notification creates the notifications an app or konnector sends
// to the instance's owner (POST /notifications): it validates them against
// the categories the app's manifest declares, stores them as
// io.cozy.notifications documents, and hands them to the mail channel.
//
// Assumption: the manifest of an installed app is the io.cozy.apps/<slug>
// (or io.cozy.konnectors/<slug>) document of the instance store, with the
// manifest's "notifications" member as is.
//
// Limits: the mail channel is the only one (mobile push and SMS are not
// available; a notification is mailed whatever its preferred channels);
// the app's mail templates are not rendered: the mail carries the title
// and the message. "at" (delayed sending) is refused.
package notification
