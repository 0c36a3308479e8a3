# The guest Linux of the system tests and `make bench`: Debian 12's own
# kernel and a busybox initramfs (tools/debian-linux.sh, tools/mkinitramfs.py).
# Downloaded once into build/cache/ (which `make clean` keeps), never
# committed.
#
#   make linux-images   build/linux/vmlinuz, build/linux/initramfs.gz and
#                       build/linux/kernel-release

LINUX_CACHE := $(BUILD)/cache/debian-linux
LINUX_OUT   := $(BUILD)/linux
LINUX_IMAGES := $(LINUX_OUT)/vmlinuz $(LINUX_OUT)/initramfs.gz $(LINUX_OUT)/kernel-release

.PHONY: linux-images
linux-images: $(LINUX_IMAGES)

$(LINUX_CACHE)/vmlinuz $(LINUX_CACHE)/busybox $(LINUX_CACHE)/kernel-release &: tools/debian-linux.sh
	@$(if $(Q),echo "  FETCH   Debian's linux-image-amd64 and busybox-static")
	$(Q)tools/debian-linux.sh $(LINUX_CACHE)
	$(Q)touch $(LINUX_CACHE)/vmlinuz $(LINUX_CACHE)/busybox $(LINUX_CACHE)/kernel-release

$(LINUX_OUT)/vmlinuz: $(LINUX_CACHE)/vmlinuz
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(LINUX_OUT)/kernel-release: $(LINUX_CACHE)/kernel-release
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(LINUX_OUT)/initramfs.gz: $(LINUX_CACHE)/busybox tools/mkinitramfs.py
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CPIO    $@")
	$(Q)$(PYTHON) tools/mkinitramfs.py $< $@
