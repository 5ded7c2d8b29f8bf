/*
 * main.c - the bnnc demo driver for the binarized digits model: runs the
 * generated C on the bundled test images and prints its predictions next to
 * the labels and PyTorch's predictions.
 *
 *   bnnc xnor_digits.onnx -o out/xnor.c --report
 *   cc -std=c99 -I$(bnnc --print-runtime-dir) -Iout out/xnor.c main.c -lm
 *   ./a.out images.bin labels.txt pytorch_argmax.txt
 */
#include <stdio.h>

#include "xnor.h"

static int read_ints(const char *path, int *values, int count) {
  FILE *f = fopen(path, "r");
  for (int i = 0; i < count; ++i)
    if (!f || fscanf(f, "%d", &values[i]) != 1) {
      fprintf(stderr, "cannot read %d integers from %s\n", count, path);
      return 0;
    }
  fclose(f);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s images.bin labels.txt pytorch_argmax.txt\n",
            argv[0]);
    return 2;
  }
  static float images[XNOR_INPUT0_COUNT];
  static float logits[XNOR_OUTPUT0_COUNT];
  const int batch = xnor_inputs[0].shape[0];
  const int classes = xnor_outputs[0].shape[1];
  int labels[64], reference[64];

  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(images, sizeof images, 1, f) != 1) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  fclose(f);
  if (!read_ints(argv[2], labels, batch) || !read_ints(argv[3], reference, batch))
    return 2;

  const void *inputs[XNOR_NUM_INPUTS] = {images};
  void *outputs[XNOR_NUM_OUTPUTS] = {logits};
  if (xnor_run(inputs, outputs) != BNNC_OK) {
    fprintf(stderr, "xnor_run failed\n");
    return 1;
  }
  int correct = 0, agree = 0;
  printf("image  label  PyTorch  bnnc C\n");
  for (int i = 0; i < batch; ++i) {
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (logits[i * classes + c] > logits[i * classes + best])
        best = c;
    correct += best == labels[i];
    agree += best == reference[i];
    printf("%5d  %5d  %7d  %6d\n", i, labels[i], reference[i], best);
  }
  printf("%d of %d correct; the binarized C agrees with PyTorch on %d of %d\n",
         correct, batch, agree, batch);
  return agree == batch ? 0 : 1;
}
