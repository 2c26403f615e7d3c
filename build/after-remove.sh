#!/bin/sh
# deb post-remove: drop the .ckpt mime type registration.
rm -f /usr/share/mime/packages/checkpoint-studio.xml
command -v update-mime-database >/dev/null && update-mime-database /usr/share/mime || true
