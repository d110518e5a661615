"""Network definitions: the slice classifier and the U-Net segmenter."""

from __future__ import annotations

import timm
import torch
import torch.nn as nn
import torch.nn.functional as F

#: Decoder widths of the U-Net, from the stride-16 block to the stride-2 block.
DECODER_CHANNELS = (96, 48, 32, 16)
SEG_CLASSES = ["background", "epidural", "intraparenchymal", "intraventricular", "subarachnoid",
               "subdural"]


def make_classifier(**kw) -> nn.Module:
    """MobileViT-XS from scratch, 3 input channels (HU windows), 6 logits."""
    return timm.create_model("mobilevit_xs", pretrained=False, num_classes=6, in_chans=3, **kw)


class ConvBnRelu(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class DecoderBlock(nn.Module):
    """Nearest ×2 upsampling, concatenation with the skip feature, two 3×3 conv-BN-ReLU."""

    def __init__(self, cin, cskip, cout):
        super().__init__()
        self.conv1 = ConvBnRelu(cin + cskip, cout)
        self.conv2 = ConvBnRelu(cout, cout)

    def forward(self, x, skip):
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = torch.cat([x, skip], 1)
        return self.conv2(self.conv1(x))


class UNet(nn.Module):
    """U-Net on a MobileNetV2 encoder (strides 2..32) with a slim decoder ending at stride 2.

    Output: 6 logits per pixel at half the input resolution (128×128 for 256×256 input);
    the runtime upsamples the logits bilinearly to the slice grid before the argmax.
    """

    def __init__(self, decoder=DECODER_CHANNELS, n_classes=6):
        super().__init__()
        self.encoder = timm.create_model("mobilenetv2_100", features_only=True, pretrained=False,
                                         in_chans=3)
        ch = self.encoder.feature_info.channels()  # [16, 24, 32, 96, 320]
        skips = [ch[3], ch[2], ch[1], ch[0]]
        blocks, cin = [], ch[4]
        for cskip, cout in zip(skips, decoder):
            blocks.append(DecoderBlock(cin, cskip, cout))
            cin = cout
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Conv2d(cin, n_classes, 1)

    def forward(self, x):
        f = self.encoder(x)
        y = f[4]
        for blk, skip in zip(self.blocks, [f[3], f[2], f[1], f[0]]):
            y = blk(y, skip)
        return self.head(y)


class SegCls(UNet):
    """The U-Net plus a slice classification head on its deepest encoder feature.

    One pass gives both outputs: per-pixel logits (as `UNet`) and 6 slice logits
    (`any` + the five subtypes), from global average pooling of the stride-32 feature.
    """

    def __init__(self, decoder=DECODER_CHANNELS, n_classes=6, n_labels=6, drop=0.2):
        super().__init__(decoder, n_classes)
        self.cls_drop = nn.Dropout(drop)
        self.cls = nn.Linear(self.encoder.feature_info.channels()[4], n_labels)

    def forward(self, x):
        f = self.encoder(x)
        y = f[4]
        pooled = y.mean(dim=(2, 3))
        for blk, skip in zip(self.blocks, [f[3], f[2], f[1], f[0]]):
            y = blk(y, skip)
        return self.head(y), self.cls(self.cls_drop(pooled))
