// SPDX-License-Identifier: GPL-2.0
/*
 * cozy_tryboot: the Raspberry Pi firmware's one-shot "tryboot" flag for a
 * kernel that lacks it.
 *
 * An update boots its new slot once by rebooting with the argument
 * "0 tryboot" (`systemctl reboot "0 tryboot"`): the firmware then reads
 * tryboot.txt instead of config.txt for that one boot and clears the flag,
 * so a crash, a hang and a power cut all bring back config.txt's slot.
 * The flag is set through the firmware's mailbox (property tag
 * SET_REBOOT_FLAGS) just before the restart. The Raspberry Pi kernel does
 * this in its firmware driver; the Debian kernel the image ships does not,
 * so this module adds only that: a reboot notifier. It is loaded by its
 * device-tree alias, on a board with the Raspberry Pi firmware only.
 *
 * Limits: any reboot argument containing the word "tryboot" sets the flag;
 * the partition number before it is left to the restart handler.
 */
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/of.h>
#include <linux/reboot.h>
#include <linux/string.h>
#include <soc/bcm2835/raspberrypi-firmware.h>

/* Property tags of the firmware's mailbox (not in the mainline header). */
#define SET_REBOOT_FLAGS 0x00038064
#define REBOOT_FLAG_TRYBOOT 0x1

static struct rpi_firmware *fw;

/* has_word tells whether s holds word between spaces or its ends. */
static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	const char *p = s;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == s || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
		p += n;
	}
	return false;
}

static int cozy_tryboot_notify(struct notifier_block *nb, unsigned long action,
			       void *data)
{
	u32 flags = REBOOT_FLAG_TRYBOOT;
	int err;

	if (action != SYS_RESTART || !data || !has_word(data, "tryboot"))
		return NOTIFY_DONE;
	err = rpi_firmware_property(fw, SET_REBOOT_FLAGS, &flags, sizeof(flags));
	if (err)
		pr_err("cozy_tryboot: the firmware refused the tryboot flag (%d): the next boot is config.txt's\n",
		       err);
	else
		pr_info("cozy_tryboot: tryboot flag set: the firmware reads tryboot.txt for the next boot\n");
	return NOTIFY_DONE;
}

static struct notifier_block cozy_tryboot_nb = {
	.notifier_call = cozy_tryboot_notify,
	/* Before the firmware device itself is shut down. */
	.priority = 128,
};

static const struct of_device_id cozy_tryboot_of_match[] = {
	{ .compatible = "raspberrypi,bcm2835-firmware" },
	{}
};
MODULE_DEVICE_TABLE(of, cozy_tryboot_of_match);

static int __init cozy_tryboot_init(void)
{
	struct device_node *np;
	int err;

	np = of_find_matching_node(NULL, cozy_tryboot_of_match);
	if (!np)
		return -ENODEV;
	fw = rpi_firmware_get(np);
	of_node_put(np);
	if (!fw) {
		pr_err("cozy_tryboot: the Raspberry Pi firmware driver is not ready\n");
		return -EPROBE_DEFER;
	}
	err = register_reboot_notifier(&cozy_tryboot_nb);
	if (err) {
		rpi_firmware_put(fw);
		return err;
	}
	pr_info("cozy_tryboot: ready: reboot \"0 tryboot\" boots tryboot.txt once\n");
	return 0;
}

static void __exit cozy_tryboot_exit(void)
{
	unregister_reboot_notifier(&cozy_tryboot_nb);
	rpi_firmware_put(fw);
}

module_init(cozy_tryboot_init);
module_exit(cozy_tryboot_exit);

MODULE_DESCRIPTION("Raspberry Pi firmware tryboot flag on reboot \"0 tryboot\"");
MODULE_LICENSE("GPL");
