#!/bin/sh
# A fake sandbox child that ignores its output limit: the runner must kill it.
while :; do echo '{"k":"log","t":1,"l":"info","m":"flood flood flood flood flood flood flood flood"}'; done
