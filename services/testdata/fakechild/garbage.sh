#!/bin/sh
# A fake sandbox child that writes something that is not a frame.
echo 'hello, not json'
exec /bin/sleep 60
