/*
 * main.c - the bnnc demo driver: runs the generated digits model on the
 * bundled test images and prints its predictions.
 *
 *   bnnc digits.onnx -o out/digits.c
 *   cc -std=c99 -I$(bnnc --print-runtime-dir) -Iout out/digits.c main.c -lm
 *   ./a.out images.bin labels.txt
 */
#include <stdio.h>

#include "digits.h"

static void print_image(const float *pixels) {
  static const char shades[] = " .:-=+*#%@";
  for (int row = 0; row < 8; ++row) {
    printf("    ");
    for (int col = 0; col < 8; ++col) {
      int level = (int)(pixels[row * 8 + col] * 9.0f + 0.5f);
      level = level < 0 ? 0 : (level > 9 ? 9 : level);
      printf("%c%c", shades[level], shades[level]);
    }
    printf("\n");
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s images.bin labels.txt\n", argv[0]);
    return 2;
  }
  static float images[DIGITS_INPUT0_COUNT];
  static float logits[DIGITS_OUTPUT0_COUNT];
  const int batch = digits_inputs[0].shape[0];
  const int classes = digits_outputs[0].shape[1];
  int labels[64];

  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(images, sizeof images, 1, f) != 1) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  fclose(f);
  f = fopen(argv[2], "r");
  for (int i = 0; i < batch; ++i)
    if (!f || fscanf(f, "%d", &labels[i]) != 1) {
      fprintf(stderr, "cannot read %s\n", argv[2]);
      return 2;
    }
  fclose(f);

  const void *inputs[DIGITS_NUM_INPUTS] = {images};
  void *outputs[DIGITS_NUM_OUTPUTS] = {logits};
  if (digits_run(inputs, outputs) != BNNC_OK) {
    fprintf(stderr, "digits_run failed\n");
    return 1;
  }

  int correct = 0;
  for (int i = 0; i < batch; ++i) {
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (logits[i * classes + c] > logits[i * classes + best])
        best = c;
    correct += best == labels[i];
    printf("image %d: predicted %d, label %d%s\n", i, best, labels[i],
           best == labels[i] ? "" : "   <- wrong");
    print_image(images + i * 64);
  }
  printf("%d of %d test digits classified correctly by the bnnc-generated C\n",
         correct, batch);
  return 0;
}
