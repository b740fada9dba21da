#!/bin/sh
# A fake sandbox child that never answers: the runner must kill it.
exec /bin/sleep 60
